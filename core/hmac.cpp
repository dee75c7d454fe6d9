#include "core/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <optional>
#include <stdexcept>

namespace tern {

namespace {

// The algorithm object is immutable once fetched and may be shared by threads.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) throw std::runtime_error("OpenSSL has no HMAC");
  return mac;
}

}  // namespace

void HmacSha256::Free::operator()(evp_mac_ctx_st* ctx) const {
  EVP_MAC_CTX_free(ctx);
}

HmacSha256::HmacSha256(std::string_view key) : key_(key), ctx_(EVP_MAC_CTX_new(hmac_algorithm())) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (!ctx_ || EVP_MAC_init(ctx_.get(), reinterpret_cast<const unsigned char*>(key_.data()),
                            key_.size(), params) != 1)
    throw std::runtime_error("HMAC-SHA256 set-up failed");
}

Sha256Digest HmacSha256::sign(std::string_view message) {
  Sha256Digest out{};
  std::size_t length = 0;
  // No key: start again from the states the key produced (OpenSSL's HMAC
  // provider keeps them), without hashing the key anew.
  if (EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx_.get(), reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      EVP_MAC_final(ctx_.get(), out.data(), &length, out.size()) != 1 || length != out.size())
    throw std::runtime_error("HMAC-SHA256 failed");
  return out;
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) {
  thread_local std::optional<HmacSha256> mac;
  if (!mac || mac->key() != key) mac.emplace(key);
  return mac->sign(message);
}

}  // namespace tern
