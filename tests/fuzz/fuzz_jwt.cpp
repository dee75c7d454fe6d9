// Fuzzes JwtCodec::verify two ways. Arbitrary bytes as a token: refused or,
// never in practice, verified without a crash. And since random bytes never
// pass the HMAC, the input is also split at its first NUL into a header and a
// payload that are signed with the codec's key, so the header and claim
// parsers behind the signature see everything the fuzzer makes. Invariants:
// a verified token's header names HS256; what tern signs verifies to itself;
// no single changed byte of a signed token still verifies. (Signed claims
// are UTF-8, as tern's always are.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/base64url.hpp"
#include "core/hmac.hpp"
#include "core/jwt.hpp"
#include "core/utf8.hpp"

namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "fuzz-jwt-secret-fuzz-jwt-secret-0";

void check(bool ok) {
  if (!ok) std::abort();
}

tern::JwtCodec& codec() {
  static tern::JwtCodec c({.keys = {{"k1", kSecret}, {"k0", kSecret + "old"}}});
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tern;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto& c = codec();

  auto direct = c.verify(input, kNow);
  if (direct.status == JwtStatus::ok) {
    auto header = base64url_decode(input.substr(0, input.find('.')));
    check(header && header->find("HS256") != std::string::npos);
  }

  auto nul = input.find('\0');
  if (nul != std::string_view::npos) {
    std::string token =
        base64url_encode(input.substr(0, nul)) + "." + base64url_encode(input.substr(nul + 1));
    auto mac = hmac_sha256(kSecret, token);
    token += "." + base64url_encode(mac.data(), mac.size());
    auto signed_check = c.verify(token, kNow);
    if (signed_check.status == JwtStatus::ok) check(!signed_check.claims.jti.empty());
  }

  // What tern signs (claims from the input) verifies to itself, and any one
  // changed character does not.
  JwtClaims claims;
  claims.sub = std::string(input.substr(0, 20));
  claims.nick = std::string(input.substr(input.size() / 2, 64));  // nicks are short
  claims.jti = "j" + std::to_string(size);
  claims.iat = kNow, claims.exp = kNow + 60;
  if (claims.sub.empty()) claims.sub = "1";
  // tern signs only well-formed UTF-8 (nicks are checked at join).
  if (!utf8::valid(claims.sub)) claims.sub = "1";
  if (!utf8::valid(claims.nick)) claims.nick = "n";
  auto token = c.sign(claims);
  auto back = c.verify(token, kNow);
  check(back.status == JwtStatus::ok && back.claims.sub == claims.sub &&
        back.claims.nick == claims.nick);
  if (size > 0) {
    std::size_t at = data[0] % token.size();
    if (token[at] != '.') {
      token[at] = token[at] == 'A' ? 'B' : 'A';
      check(c.verify(token, kNow).status != JwtStatus::ok);
    }
  }
  return 0;
}
