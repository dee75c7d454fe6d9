#include "http/cookie.hpp"

#include <stdexcept>

#include "http/date.hpp"
#include "http/text.hpp"

namespace tern::http {
namespace {

bool is_token_char(unsigned char c) {
  if (c <= 32 || c >= 127) return false;
  static constexpr std::string_view kSeparators = "()<>@,;:\\\"/[]?={}";
  return kSeparators.find(static_cast<char>(c)) == std::string_view::npos;
}

bool is_cookie_octet(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

bool is_attr_value(std::string_view v) {
  for (unsigned char c : v)
    if (c < 32 || c == ';' || c >= 127) return false;
  return true;
}

}  // namespace

CookieList parse_cookies(std::string_view header) {
  CookieList out;
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view part = trim_ows(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = trim_ows(part.substr(0, eq));
    std::string_view value = trim_ows(part.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (!name.empty()) out.emplace_back(name, value);
  }
  return out;
}

std::optional<std::string_view> find_cookie(const CookieList& cookies, std::string_view name) {
  for (const auto& [n, v] : cookies)
    if (n == name) return v;
  return std::nullopt;
}

std::string SetCookie::to_string() const {
  if (name.empty()) throw std::invalid_argument("cookie name is empty");
  for (unsigned char c : name)
    if (!is_token_char(c)) throw std::invalid_argument("bad character in cookie name");
  for (unsigned char c : value)
    if (!is_cookie_octet(c)) throw std::invalid_argument("bad character in cookie value");
  if (!is_attr_value(path) || !is_attr_value(domain))
    throw std::invalid_argument("bad character in cookie attribute");

  std::string out = name + "=" + value;
  if (!path.empty()) out += "; Path=" + path;
  if (!domain.empty()) out += "; Domain=" + domain;
  if (max_age) out += "; Max-Age=" + std::to_string(max_age->count());
  if (expires) out += "; Expires=" + format_http_date(*expires);
  if (http_only) out += "; HttpOnly";
  if (secure || same_site == SameSite::none) out += "; Secure";  // None requires Secure
  switch (same_site) {
    case SameSite::lax:
      out += "; SameSite=Lax";
      break;
    case SameSite::strict:
      out += "; SameSite=Strict";
      break;
    case SameSite::none:
      out += "; SameSite=None";
      break;
    case SameSite::unset:
      break;
  }
  return out;
}

}  // namespace tern::http
