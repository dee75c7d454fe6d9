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

}  // namespace tern
