// JSON Web Tokens (RFC 7519) signed with HMAC-SHA256 (RFC 7518 §3.2): what
// the token API issues and checks on every /v2 request.
//
//   JwtCodec codec({.keys = {{"k2", secret2}, {"k1", secret1}}, .issuer = "tern"});
//   std::string token = codec.sign(claims);          // with k2, the newest key
//   JwtCheck check = codec.verify(token, now_seconds);  // k2 or k1, by the header's kid
//
// verify() trusts nothing before the signature: sizes are checked before any
// decoding, the header must be exactly what tern signs — `alg` HS256 (so
// "none", "None", HS512, RS256… are refused), an optional `typ` of JWT, an
// optional `kid` naming a configured key — and any other header parameter
// (crit, jku, jwk, x5u, x5c…) is refused rather than ignored. Base64url must
// be canonical and unpadded, JSON objects must not repeat a key. The
// signature is compared in constant time, and only then is the payload read:
// `iss` must be the issuer, `exp` is required and `nbf`/`iat` may not lie in
// the future, each with a small leeway for clocks that disagree.
//
// Not thread-safe (it keeps each key's HMAC state): one per event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/hmac.hpp"

namespace tern {

struct JwtKey {
  std::string kid;  // [A-Za-z0-9._-], 1..64 characters
  std::string secret;
};

struct JwtClaims {
  std::string sub;   // the user id, in decimal (RFC 7519 makes it a string)
  std::string nick;  // NodeBird's claim
  std::string iss;
  std::string jti;          // unique per token: what revocation names
  std::string tier;         // tern's "tier": the issuing domain's type, free | premium
  std::int64_t domain = 0;  // tern's "dom": the issuing domain's id
  std::int64_t iat = 0;
  std::int64_t exp = 0;
  std::optional<std::int64_t> nbf;
};

enum class JwtStatus {
  ok,
  malformed,      // not three canonical base64url parts of JSON objects, or too big
  bad_header,     // an algorithm or header parameter tern does not accept
  unknown_key,    // a kid that names no configured key
  bad_signature,  // forged, tampered or signed with another key
  wrong_issuer,
  missing_claim,  // exp, sub or jti absent or of the wrong type
  not_yet_valid,  // nbf or iat in the future
  expired,
};

struct JwtCheck {
  JwtStatus status = JwtStatus::malformed;
  JwtClaims claims;  // when ok
};

const char* describe(JwtStatus status);

class JwtCodec {
 public:
  static constexpr std::size_t kMaxTokenBytes = 4096;

  struct Options {
    std::vector<JwtKey> keys;  // the first signs; all verify
    std::string issuer = "tern";
    std::chrono::seconds leeway{5};
  };
  // std::invalid_argument for no keys, a bad kid or a duplicate kid.
  explicit JwtCodec(Options options);

  // A token for `claims` (iss is set to the issuer) signed with the newest key.
  std::string sign(const JwtClaims& claims);

  // `now` in seconds since the epoch.
  JwtCheck verify(std::string_view token, std::int64_t now);

 private:
  struct Key {
    std::string kid;
    std::string header;  // the encoded header tern signs with this key
    HmacSha256 hmac;
  };
  Key* find_key(std::string_view kid);
  JwtStatus read_header(std::string_view part, std::string& json, Key*& key);

  std::vector<Key> keys_;
  std::string issuer_;
  std::int64_t leeway_;
};

class JsonWriter;
// The claims as the JSON object a token carries (and /v2/test echoes), with
// `iss` as given.
void write_claims(JsonWriter& w, const JwtClaims& claims, std::string_view iss);

// "kid:secret,kid:secret" (TERN_JWT_KEYS) into keys, newest first; nullopt
// if a kid or secret is empty or a kid is not of [A-Za-z0-9._-]{1,64}.
std::optional<std::vector<JwtKey>> parse_jwt_keys(std::string_view text);

}  // namespace tern
