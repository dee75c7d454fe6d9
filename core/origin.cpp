#include "core/origin.hpp"

#include <charconv>

namespace tern {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '[' ||
         c == ']' || c == ':';
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view text) {
  std::string s;
  s.reserve(text.size());
  for (char c : text)
    s += lower(c);
  std::string_view v = s;
  std::string_view scheme, default_port;
  if (v.starts_with("http://")) {
    scheme = "http://", default_port = "80";
  } else if (v.starts_with("https://")) {
    scheme = "https://", default_port = "443";
  } else {
    return std::nullopt;
  }
  v.remove_prefix(scheme.size());
  if (v.ends_with('/')) v.remove_suffix(1);  // "https://a.example/" is that origin too
  std::string_view host = v, port;
  // The port follows the last ':' unless that colon is inside an IPv6 literal.
  if (auto colon = v.rfind(':'); colon != std::string_view::npos && v.find(']', colon) == v.npos &&
                                 (v.front() != '[' || v.rfind(']') < colon)) {
    host = v.substr(0, colon);
    port = v.substr(colon + 1);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n == 0 ||
        n > 65535)
      return std::nullopt;
    port = port.substr(port.find_first_not_of('0'));  // ":0080" is ":80"
  }
  if (host.empty()) return std::nullopt;
  for (char c : host)
    if (!host_char(c)) return std::nullopt;  // '/', '@', '?', '#', spaces...
  if (host.front() != '[' && host.find(':') != std::string_view::npos) return std::nullopt;
  std::string out(scheme);
  out += host;
  if (!port.empty() && port != default_port) {
    out += ':';
    out += port;
  }
  return out;
}

}  // namespace tern
