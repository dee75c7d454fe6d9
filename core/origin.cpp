#include "core/origin.hpp"

#include <asio/ip/address_v6.hpp>

#include <charconv>

namespace tern {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

// A host as a browser serialises it: a name as it is, an IPv6 literal in
// brackets in its canonical form (RFC 5952, as asio prints it).
std::optional<std::string> canonical_host(std::string_view host) {
  if (host.empty()) return std::nullopt;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    std::error_code ec;
    auto v6 = asio::ip::make_address_v6(std::string(host.substr(1, host.size() - 2)), ec);
    if (ec || v6.scope_id() != 0) return std::nullopt;
    return "[" + v6.to_string() + "]";
  }
  for (char c : host)
    if (!name_char(c)) return std::nullopt;  // ':', '/', '@', '?', '#', spaces...
  return std::string(host);
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
  auto canonical = canonical_host(host);
  if (!canonical) return std::nullopt;
  std::string out(scheme);
  out += *canonical;
  if (!port.empty() && port != default_port) {
    out += ':';
    out += port;
  }
  return out;
}

std::optional<std::string> normalize_domain_host(std::string_view text) {
  std::string_view name = text, port;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    name = text.substr(0, colon);
    port = text.substr(colon + 1);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (port.empty() || port.front() == '0' || ec != std::errc() ||
        end != port.data() + port.size() || n > 65535)
      return std::nullopt;
  }
  if (name.empty() || name.size() > 253) return std::nullopt;
  std::string out;
  out.reserve(text.size());
  std::size_t label = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = lower(name[i]);
    if (c == '.') {
      if (label == 0 || out.back() == '-') return std::nullopt;  // "a..b", "a-.b", ".a"
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
      if (c == '-' && label == 0) return std::nullopt;  // "-a"
      if (++label > 63) return std::nullopt;
    } else {
      return std::nullopt;
    }
    out += c;
  }
  if (label == 0 || out.back() == '-') return std::nullopt;  // "a.", "a-"
  if (!port.empty()) {
    out += ':';
    out += port;
  }
  return out;
}

std::string_view origin_host(std::string_view canonical_origin) {
  auto scheme_end = canonical_origin.find("://");
  return scheme_end == std::string_view::npos ? canonical_origin
                                              : canonical_origin.substr(scheme_end + 3);
}

}  // namespace tern
