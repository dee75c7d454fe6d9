#include "core/jwt.hpp"

#include <openssl/crypto.h>
#include <simdjson.h>

#include <stdexcept>

#include "core/base64url.hpp"
#include "core/json_writer.hpp"

namespace tern {

namespace {

namespace od = simdjson::ondemand;

constexpr std::size_t kMaxHeaderChars = 512;  // tern's own is 60–130
constexpr std::size_t kMaxObjectKeys = 32;

bool valid_kid(std::string_view kid) {
  if (kid.empty() || kid.size() > 64) return false;
  for (char c : kid)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-'))
      return false;
  return true;
}

// Decodes one base64url part into `out` with simdjson's padding after it.
bool decode_json_part(std::string_view part, std::string& out) {
  out.reserve(part.size() + simdjson::SIMDJSON_PADDING);
  if (!base64url_decode(part, out)) return false;
  out.reserve(out.size() + simdjson::SIMDJSON_PADDING);
  return true;
}

// Iterates the members of the JSON object in `json` (padded as above), calling
// on_field(key, value) → false to refuse. False for anything but one object
// whose keys are all distinct, with nothing after it.
template <class OnField>
bool each_field(std::string& json, OnField on_field) {
  thread_local od::parser parser;
  od::document doc;
  od::object object;
  if (parser.iterate(simdjson::padded_string_view(json.data(), json.size(), json.capacity()))
          .get(doc) ||
      doc.get_object().get(object))
    return false;
  std::string_view seen[kMaxObjectKeys];
  std::size_t count = 0;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    for (std::size_t i = 0; i < count; ++i)
      if (seen[i] == key) return false;  // {"alg":"HS256","alg":"none"}
    if (count == kMaxObjectKeys) return false;
    // unescaped keys live in the parser's string buffer until the next iterate
    seen[count++] = key;
    od::value value;
    if (field.value().get(value) || !on_field(key, value)) return false;
  }
  const char* location = nullptr;
  return doc.current_location().get(location) == simdjson::OUT_OF_BOUNDS;
}

bool read_string(od::value& v, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out.assign(s);
  return true;
}

bool read_integer(od::value& v, std::int64_t& out) {
  return !v.get_int64().get(out);
}

}  // namespace

const char* describe(JwtStatus status) {
  switch (status) {
    case JwtStatus::ok:
      return "valid";
    case JwtStatus::malformed:
      return "the token is malformed";
    case JwtStatus::bad_header:
      return "the token's algorithm or header is not accepted";
    case JwtStatus::unknown_key:
      return "the token's key is unknown";
    case JwtStatus::bad_signature:
      return "the token's signature is invalid";
    case JwtStatus::wrong_issuer:
      return "the token was not issued here";
    case JwtStatus::missing_claim:
      return "the token lacks a required claim";
    case JwtStatus::not_yet_valid:
      return "the token is not valid yet";
    case JwtStatus::expired:
      return "the token has expired";
  }
  return "invalid token";
}

JwtCodec::JwtCodec(Options options)
    : issuer_(std::move(options.issuer)), leeway_(options.leeway.count()) {
  if (options.keys.empty()) throw std::invalid_argument("no JWT keys");
  keys_.reserve(options.keys.size());
  for (auto& k : options.keys) {
    if (!valid_kid(k.kid)) throw std::invalid_argument("bad JWT key id '" + k.kid + "'");
    if (find_key(k.kid)) throw std::invalid_argument("JWT key id '" + k.kid + "' repeats");
    std::string header = R"({"alg":"HS256","typ":"JWT","kid":")" + k.kid + "\"}";
    keys_.push_back({k.kid, base64url_encode(header), HmacSha256(k.secret)});
  }
}

JwtCodec::Key* JwtCodec::find_key(std::string_view kid) {
  for (auto& k : keys_)
    if (k.kid == kid) return &k;
  return nullptr;
}

void write_claims(JsonWriter& w, const JwtClaims& c, std::string_view iss) {
  w.begin_object().field("sub", c.sub).field("nick", c.nick).field("iss", iss);
  if (!c.tier.empty()) w.field("tier", c.tier);
  if (c.domain) w.field("dom", c.domain);
  w.field("iat", c.iat).field("exp", c.exp);
  if (c.nbf) w.field("nbf", *c.nbf);
  w.field("jti", c.jti).end_object();
}

std::string JwtCodec::sign(const JwtClaims& c) {
  std::string payload;
  JsonWriter w(payload);
  write_claims(w, c, issuer_);

  Key& key = keys_.front();
  std::string token = key.header;
  token += '.';
  token += base64url_encode(payload);
  auto mac = key.hmac.sign(token);
  token += '.';
  token += base64url_encode(mac.data(), mac.size());
  return token;
}

// A header other than tern's own spelling: parsed strictly. Sets `key` to
// the one its kid names (the newest key without a kid).
JwtStatus JwtCodec::read_header(std::string_view part, std::string& json, Key*& key) {
  if (!decode_json_part(part, json)) return JwtStatus::malformed;
  bool alg = false, known_kid = true;
  key = &keys_.front();
  bool parsed = each_field(json, [&](std::string_view name, od::value& v) {
    std::string_view text;
    if (v.get_string().get(text)) return false;  // every accepted parameter is a string
    if (name == "alg") return alg = text == "HS256";
    if (name == "typ") return text == "JWT" || text == "jwt";
    if (name == "kid") {
      key = find_key(text);
      known_kid = key != nullptr;
      return true;
    }
    return false;  // crit, jku, jwk, x5u, x5c, x5t, cty, b64, zip…: not ours
  });
  if (!parsed || !alg) return JwtStatus::bad_header;
  return known_kid ? JwtStatus::ok : JwtStatus::unknown_key;
}

JwtCheck JwtCodec::verify(std::string_view token, std::int64_t now) {
  JwtCheck check;
  auto fail = [&](JwtStatus s) {
    check.status = s;
    return check;
  };
  if (token.size() > kMaxTokenBytes) return fail(JwtStatus::malformed);
  auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return fail(JwtStatus::malformed);
  auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return fail(JwtStatus::malformed);
  auto header_part = token.substr(0, dot1);
  auto payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  auto signature_part = token.substr(dot2 + 1);
  // 32 bytes of HMAC-SHA256 are exactly 43 unpadded base64url characters.
  if (header_part.empty() || header_part.size() > kMaxHeaderChars || payload_part.empty() ||
      signature_part.size() != 43)
    return fail(JwtStatus::malformed);

  // Buffers kept by the thread: a check allocates only for long claims.
  thread_local std::string json, signature;
  Key* key = nullptr;
  // tern's own header, byte for byte, needs no parsing (every token it issued).
  for (auto& k : keys_)
    if (header_part == k.header) key = &k;
  if (!key) {
    auto status = read_header(header_part, json, key);
    if (status != JwtStatus::ok) return fail(status);
  }
  if (!base64url_decode(signature_part, signature) || signature.size() != 32)
    return fail(JwtStatus::malformed);
  auto mac = key->hmac.sign(token.substr(0, dot2));
  if (CRYPTO_memcmp(mac.data(), signature.data(), mac.size()) != 0)
    return fail(JwtStatus::bad_signature);

  // Signed by us: now the payload.
  if (!decode_json_part(payload_part, json)) return fail(JwtStatus::malformed);
  JwtClaims& c = check.claims;
  bool has_exp = false, has_iat = false;
  bool parsed = each_field(json, [&](std::string_view k, od::value& v) {
    if (k == "sub") return read_string(v, c.sub);
    if (k == "nick") return read_string(v, c.nick);
    if (k == "iss") return read_string(v, c.iss);
    if (k == "jti") return read_string(v, c.jti);
    if (k == "tier") return read_string(v, c.tier);
    if (k == "dom") return read_integer(v, c.domain);
    if (k == "exp") return has_exp = read_integer(v, c.exp);
    if (k == "iat") return has_iat = read_integer(v, c.iat);
    if (k == "nbf") {
      std::int64_t n;
      if (!read_integer(v, n)) return false;
      c.nbf = n;
      return true;
    }
    return true;  // other claims are the issuer's business
  });
  if (!parsed) return fail(JwtStatus::malformed);
  if (c.iss != issuer_) return fail(JwtStatus::wrong_issuer);
  if (!has_exp || c.sub.empty() || c.jti.empty()) return fail(JwtStatus::missing_claim);
  if ((c.nbf && *c.nbf > now + leeway_) || (has_iat && c.iat > now + leeway_))
    return fail(JwtStatus::not_yet_valid);
  if (now - leeway_ >= c.exp) return fail(JwtStatus::expired);  // (no overflow near INT64_MAX)
  check.status = JwtStatus::ok;
  return check;
}

std::optional<std::vector<JwtKey>> parse_jwt_keys(std::string_view text) {
  std::vector<JwtKey> keys;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto entry = text.substr(0, comma);
    if (comma != std::string_view::npos && comma + 1 == text.size()) return std::nullopt;
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    auto colon = entry.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    JwtKey k{std::string(entry.substr(0, colon)), std::string(entry.substr(colon + 1))};
    if (!valid_kid(k.kid) || k.secret.empty()) return std::nullopt;
    for (const auto& other : keys)
      if (other.kid == k.kid) return std::nullopt;
    keys.push_back(std::move(k));
  }
  if (keys.empty()) return std::nullopt;
  return keys;
}

}  // namespace tern
