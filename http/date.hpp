// HTTP dates (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT").
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace tern::http {

// The current date for the Date header; formatted at most once per second per
// thread, since every response carries it.
std::string_view current_http_date();

std::string format_http_date(std::time_t t);

// Parses IMF-fixdate; nullopt for anything else (obsolete formats are ignored,
// which only costs a cache miss).
std::optional<std::time_t> parse_http_date(std::string_view s);

}  // namespace tern::http
