#include "handlers/session_cookie.hpp"

#include <openssl/crypto.h>

#include <stdexcept>

#include "core/base64url.hpp"
#include "core/hmac.hpp"
#include "core/random.hpp"

namespace tern::handlers {

namespace {

std::string mac(std::string_view message, std::string_view secret) {
  Sha256Digest digest = hmac_sha256(secret, message);
  return base64url_encode(digest.data(), digest.size());
}

}  // namespace

std::string new_session_id() {
  return random_base64url(32);
}

std::string sign_session_id(std::string_view id, std::string_view secret) {
  return std::string(id) + "." + mac(id, secret);
}

std::optional<std::string> verify_session_cookie(std::string_view cookie, std::string_view secret) {
  auto dot = cookie.find('.');
  if (dot == std::string_view::npos || dot != 43 || cookie.size() != 43 + 1 + 43)
    return std::nullopt;
  std::string_view id = cookie.substr(0, dot), given = cookie.substr(dot + 1);
  std::string expected = mac(id, secret);
  if (CRYPTO_memcmp(expected.data(), given.data(), expected.size()) != 0) return std::nullopt;
  return std::string(id);
}

std::string csrf_token(std::string_view id, std::string_view secret) {
  return mac(std::string("csrf:") + std::string(id), secret);
}

}  // namespace tern::handlers
