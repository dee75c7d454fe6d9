// core/jwt: tern's tokens round-trip, RFC 7515's example verifies, and every
// token on the attack list is refused with the right status.
#include <doctest/doctest.h>

#include <string>

#include "core/base64url.hpp"
#include "core/hmac.hpp"
#include "core/jwt.hpp"

using namespace tern;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef";

JwtCodec codec(std::string secret = kSecret) {
  return JwtCodec({.keys = {{"k1", std::move(secret)}}, .issuer = "tern"});
}

// A token of exactly these JSON texts, signed with `secret` (or with `signature`).
std::string forge(std::string_view header, std::string_view payload,
                  std::string_view secret = kSecret) {
  std::string t = base64url_encode(header) + "." + base64url_encode(payload);
  auto mac = hmac_sha256(secret, t);
  return t + "." + base64url_encode(mac.data(), mac.size());
}

const std::string kHeader = R"({"alg":"HS256","typ":"JWT","kid":"k1"})";
std::string payload(std::int64_t exp = kNow + 60, std::string extra = "") {
  return R"({"sub":"7","nick":"n","iss":"tern","iat":)" + std::to_string(kNow) +
         ",\"exp\":" + std::to_string(exp) + R"(,"jti":"j1")" + extra + "}";
}

JwtStatus status_of(const std::string& token) {
  return codec().verify(token, kNow).status;
}

}  // namespace

TEST_CASE("jwt: tern's own token verifies to its claims") {
  auto c = codec();
  JwtClaims claims;
  claims.sub = "42", claims.nick = "노드", claims.jti = "abc", claims.tier = "premium";
  claims.domain = 9, claims.iat = kNow, claims.exp = kNow + 900;
  auto token = c.sign(claims);
  auto check = c.verify(token, kNow + 10);
  REQUIRE(check.status == JwtStatus::ok);
  CHECK(check.claims.sub == "42");
  CHECK(check.claims.nick == "노드");
  CHECK(check.claims.iss == "tern");
  CHECK(check.claims.tier == "premium");
  CHECK(check.claims.domain == 9);
  CHECK(check.claims.exp == kNow + 900);
  CHECK(check.claims.jti == "abc");
  CHECK(status_of(forge(kHeader, payload())) == JwtStatus::ok);
}

TEST_CASE("jwt: RFC 7515 Appendix A.1, the HS256 example") {
  auto key = base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  REQUIRE(key);
  JwtCodec rfc({.keys = {{"rfc", *key}}, .issuer = "joe"});
  std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ."
      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  // The signature checks; the example has no sub or jti, which tern requires.
  CHECK(rfc.verify(token, 1300819000).status == JwtStatus::missing_claim);
  CHECK(rfc.verify(token, 1300819380 + 5).status == JwtStatus::missing_claim);
  std::string tampered = token;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'X' ? 'Y' : 'X';
  CHECK(rfc.verify(tampered, 1300819000).status != JwtStatus::missing_claim);
}

TEST_CASE("jwt: algorithms and header parameters other than tern's are refused") {
  for (const char* alg : {"none", "None", "NONE", "nOnE", "HS512", "HS384", "RS256", "ES256",
                          "PS256", "hs256", "HS256 ", ""}) {
    std::string h = std::string(R"({"alg":")") + alg + R"(","typ":"JWT","kid":"k1"})";
    CHECK_MESSAGE(status_of(forge(h, payload())) == JwtStatus::bad_header, alg);
  }
  // alg none with an empty signature, as the classic attack sends it.
  std::string none = base64url_encode(std::string(R"({"alg":"none","typ":"JWT"})")) + "." +
                     base64url_encode(payload()) + ".";
  CHECK(status_of(none) == JwtStatus::malformed);
  for (const char* extra : {R"(,"crit":["exp"])", R"(,"jku":"https://evil.example/k")",
                            R"(,"jwk":{"kty":"oct","k":"AA"})", R"(,"x5u":"https://e.example")",
                            R"(,"x5c":["MII"])", R"(,"b64":false)", R"(,"zip":"DEF")"}) {
    std::string h = std::string(R"({"alg":"HS256","kid":"k1")") + extra + "}";
    CHECK_MESSAGE(status_of(forge(h, payload())) == JwtStatus::bad_header, extra);
  }
  CHECK(status_of(forge(R"({"alg":"HS256","alg":"none"})", payload())) == JwtStatus::bad_header);
  CHECK(status_of(forge(R"({"alg":"none","alg":"HS256"})", payload())) == JwtStatus::bad_header);
  CHECK(status_of(forge(R"({"kid":"k1"})", payload())) == JwtStatus::bad_header);  // no alg
  CHECK(status_of(forge(R"({"alg":"HS256","typ":"JWS"})", payload())) == JwtStatus::bad_header);
  CHECK(status_of(forge(R"(["alg","HS256"])", payload())) == JwtStatus::bad_header);
  CHECK(status_of(forge(R"({"alg":"HS256"} x)", payload())) == JwtStatus::bad_header);
  // A header without kid is checked with the newest key.
  CHECK(status_of(forge(R"({"alg":"HS256","typ":"JWT"})", payload())) == JwtStatus::ok);
}

TEST_CASE("jwt: keys — a kid that names none, the wrong key, rotation") {
  CHECK(status_of(forge(R"({"alg":"HS256","kid":"k9"})", payload())) == JwtStatus::unknown_key);
  CHECK(status_of(forge(R"({"alg":"HS256","kid":1})", payload())) == JwtStatus::bad_header);
  CHECK(status_of(forge(kHeader, payload(), "another-secret-another-secret-xx")) ==
        JwtStatus::bad_signature);
  // Rotation: a token of the old key still verifies while that key is listed.
  JwtCodec old_codec({.keys = {{"k1", kSecret}}});
  JwtCodec rotated({.keys = {{"k2", "a-new-secret-a-new-secret-a-new-s"}, {"k1", kSecret}}});
  JwtClaims claims;
  claims.sub = "1", claims.jti = "j", claims.iat = kNow, claims.exp = kNow + 60;
  auto old_token = old_codec.sign(claims);
  CHECK(rotated.verify(old_token, kNow).status == JwtStatus::ok);
  auto new_token = rotated.sign(claims);
  CHECK(rotated.verify(new_token, kNow).status == JwtStatus::ok);
  CHECK(old_codec.verify(new_token, kNow).status == JwtStatus::unknown_key);
  JwtCodec retired({.keys = {{"k2", "a-new-secret-a-new-secret-a-new-s"}}});
  CHECK(retired.verify(old_token, kNow).status == JwtStatus::unknown_key);
  CHECK_THROWS(JwtCodec({.keys = {}}));
  CHECK_THROWS(JwtCodec({.keys = {{"a b", kSecret}}}));
  CHECK_THROWS(JwtCodec({.keys = {{"k", kSecret}, {"k", kSecret}}}));
}

TEST_CASE("jwt: tampering, truncation, sizes and base64url spellings") {
  auto good = forge(kHeader, payload());
  for (std::size_t i = 0; i < good.size(); ++i) {
    if (good[i] == '.') continue;
    std::string t = good;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    CHECK_MESSAGE(status_of(t) != JwtStatus::ok, i);
  }
  for (std::size_t n = 0; n < good.size(); ++n)
    CHECK_MESSAGE(status_of(good.substr(0, n)) != JwtStatus::ok, n);
  CHECK(status_of(good + ".") == JwtStatus::malformed);
  CHECK(status_of(good + "=") == JwtStatus::malformed);
  CHECK(status_of(good + "A") == JwtStatus::malformed);
  CHECK(status_of("a.b") == JwtStatus::malformed);
  CHECK(status_of("..") == JwtStatus::malformed);
  CHECK(status_of("") == JwtStatus::malformed);
  // 10 KB and 1 MB tokens are refused before any decoding.
  std::string big_claim = ",\"pad\":\"" + std::string(10'000, 'x') + "\"";
  CHECK(status_of(forge(kHeader, payload(kNow + 60, big_claim))) == JwtStatus::malformed);
  CHECK(status_of(std::string(1 << 20, 'a')) == JwtStatus::malformed);
  // '+' and '/' (plain base64) and '=' padding are not base64url.
  std::string h = base64url_encode(std::string(R"({"alg":"HS256","kid":"k1"}  )"));
  std::string padded = h + "==." + good.substr(good.find('.') + 1);
  CHECK(status_of(padded) == JwtStatus::malformed);
  std::string plus = good;
  auto at = plus.rfind('.') + 5;
  plus[at] = '+';
  CHECK(status_of(plus) == JwtStatus::malformed);
  plus[at] = '/';
  CHECK(status_of(plus) == JwtStatus::malformed);
  // A payload that is not JSON, or repeats a claim, though correctly signed.
  CHECK(status_of(forge(kHeader, "not json")) == JwtStatus::malformed);
  CHECK(status_of(forge(kHeader, payload(kNow + 60, R"(,"sub":"1")"))) == JwtStatus::malformed);
  CHECK(status_of(forge(kHeader, payload(kNow + 60, R"(,"exp":9999999999)"))) ==
        JwtStatus::malformed);
}

TEST_CASE("jwt: claims — issuer, expiry, not-before, required ones") {
  CHECK(status_of(forge(kHeader, payload(kNow - 1))) == JwtStatus::ok);  // within 5 s leeway
  CHECK(status_of(forge(kHeader, payload(kNow - 5))) == JwtStatus::expired);
  CHECK(status_of(forge(kHeader, payload(kNow - 3600))) == JwtStatus::expired);
  CHECK(status_of(forge(kHeader, payload(kNow + 60, R"(,"nbf":1800000100)"))) ==
        JwtStatus::not_yet_valid);
  CHECK(status_of(forge(kHeader, payload(kNow + 60, R"(,"nbf":1800000003)"))) == JwtStatus::ok);
  auto p = payload();
  auto iss = p.replace(p.find("\"tern\""), 6, "\"nodebird\"");
  CHECK(status_of(forge(kHeader, iss)) == JwtStatus::wrong_issuer);
  CHECK(status_of(forge(kHeader, R"({"sub":"7","iss":"tern","jti":"j"})")) ==
        JwtStatus::missing_claim);  // no exp
  CHECK(status_of(forge(kHeader, R"({"iss":"tern","exp":1900000000,"jti":"j"})")) ==
        JwtStatus::missing_claim);  // no sub
  CHECK(status_of(forge(kHeader, R"({"sub":"7","iss":"tern","exp":1900000000})")) ==
        JwtStatus::missing_claim);  // no jti
  CHECK(status_of(forge(kHeader, R"({"sub":"7","iss":"tern","exp":"1900000000","jti":"j"})")) ==
        JwtStatus::malformed);
  CHECK(status_of(forge(kHeader, R"({"sub":"7","iss":"tern","exp":1.9e9,"jti":"j"})")) ==
        JwtStatus::malformed);
  CHECK(status_of(forge(
            kHeader, R"({"sub":"7","iss":"tern","exp":1900000000,"jti":"j","iat":1900000000})")) ==
        JwtStatus::not_yet_valid);
}

TEST_CASE("jwt: TERN_JWT_KEYS") {
  auto keys = parse_jwt_keys("k2:new-secret,k1:old:secret");
  REQUIRE(keys);
  CHECK(keys->size() == 2);
  CHECK((*keys)[0].kid == "k2");
  CHECK((*keys)[1].secret == "old:secret");
  for (const char* bad : {"", "k1", ":s", "k1:", "k1:a,k1:b", "k 1:s", "k1:s,"})
    CHECK_MESSAGE(!parse_jwt_keys(bad), bad);
}
