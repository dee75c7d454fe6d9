// Web origins (RFC 6454 §6.2): "scheme://host[:port]" in the one spelling a
// browser sends — scheme and host lower-cased, no default port, no path. The
// configured TERN_PUBLIC_ORIGIN and a request's Origin header both pass
// through normalize_origin before they are compared, so a trailing slash or
// upper case in the configuration cannot make every POST a 403.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tern {

// The origin in canonical form, or nullopt if `text` is not an http(s)
// origin: another scheme, a userinfo, a query, a path other than "/", an
// empty host or a port that is not a number in 1..65535. "null" (an opaque
// origin) is not an origin here either.
std::optional<std::string> normalize_origin(std::string_view text);

// A domain as the token API registers it (API.md, POST /api/domains): a DNS
// name or IPv4 address with an optional port — "example.com",
// "localhost:4000" — lower-cased. Labels of 1..63 letters, digits and '-'
// (not at either end), at most 253 characters before the port; a port is
// 1..65535 without leading zeros. nullopt for anything else (a scheme, a
// path, userinfo, a trailing dot, spaces, IPv6 literals).
std::optional<std::string> normalize_domain_host(std::string_view text);

// "host[:port]" of a canonical origin ("https://a.example:8443" →
// "a.example:8443"), which is what a registered domain is matched against.
std::string_view origin_host(std::string_view canonical_origin);

}  // namespace tern
