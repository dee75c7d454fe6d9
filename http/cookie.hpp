// Cookies: parsing the Cookie request header (RFC 6265 §5.4, lenient on
// whitespace, strict on nothing else) and building Set-Cookie values.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::http {

using CookieList = std::vector<std::pair<std::string_view, std::string_view>>;

// Splits "a=1; b=2" into pairs viewing `header`. Pairs without '=' are skipped;
// a value in double quotes is returned without them.
CookieList parse_cookies(std::string_view header);

std::optional<std::string_view> find_cookie(const CookieList& cookies, std::string_view name);

enum class SameSite { unset, lax, strict, none };

struct SetCookie {
  std::string name{};
  std::string value{};
  std::string path = "/";
  std::string domain{};
  std::optional<std::chrono::seconds> max_age{};  // 0 deletes the cookie
  std::optional<std::time_t> expires{};
  bool http_only = true;
  bool secure = false;
  SameSite same_site = SameSite::lax;

  // The header value. Throws std::invalid_argument when the name or value has
  // characters RFC 6265 forbids, so a bad cookie never reaches the wire.
  std::string to_string() const;
};

}  // namespace tern::http
