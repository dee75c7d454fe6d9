#include "core/redis_url.hpp"

#include <charconv>
#include <stdexcept>

namespace tern {
namespace {

[[noreturn]] void fail(const std::string& reason) {
  throw std::invalid_argument("invalid Redis URL: " + reason);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s, const char* what) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) fail(std::string("bad percent-encoding in the ") + what);
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// A non-empty run of decimal digits within [min, max].
template <class Int>
Int parse_number(std::string_view s, Int min, Int max, const char* what) {
  Int value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value < min || value > max)
    fail(std::string(what) + " must be a number from " + std::to_string(min) + " to " +
         std::to_string(max) + ", not '" + std::string(s) + "'");
  return value;
}

}  // namespace

RedisUrl RedisUrl::parse(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.starts_with("rediss://")) fail("rediss:// (TLS) is not supported");
  if (!url.starts_with(kScheme)) fail("it must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos)
    fail("query strings and fragments are not supported");

  RedisUrl out;
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = rest.substr(authority.size());

  // Credentials end at the last '@', so an unencoded '@' in a password works.
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos)
      fail("credentials must be ':password@' or 'user:password@'");
    out.user = percent_decode(userinfo.substr(0, colon), "user name");
    out.password = percent_decode(userinfo.substr(colon + 1), "password");
    if (!out.user.empty() && out.password.empty()) fail("a user name needs a password");
  }

  std::string_view port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) fail("unterminated '[' in the IPv6 host");
    out.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) fail("unexpected text after the IPv6 host");
    if (!after.empty()) port = after.substr(1);
    if (!after.empty() && port.empty()) fail("empty port");
  } else {
    auto colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) fail("empty port");
    }
  }
  if (out.host.empty()) fail("missing host");
  if (!port.empty()) out.port = parse_number<std::uint16_t>(port, 1, 65535, "port");

  if (path.size() > 1) out.db = parse_number<int>(path.substr(1), 0, 1 << 20, "database");
  return out;
}

std::string RedisUrl::endpoint() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + std::to_string(db);
}

}  // namespace tern
