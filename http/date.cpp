#include "http/date.hpp"

#include <chrono>
#include <cstring>

namespace tern::http {

std::string format_http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  // strftime's %a/%b depend on the C locale, which tern never changes.
  std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

std::string_view current_http_date() {
  thread_local std::time_t cached_at = -1;
  thread_local std::string cached;
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (now != cached_at) {
    cached = format_http_date(now);
    cached_at = now;
  }
  return cached;
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
  if (s.size() != 29 || s.substr(25) != " GMT") return std::nullopt;
  std::tm tm{};
  std::string copy(s);
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  return timegm(&tm);
}

}  // namespace tern::http
