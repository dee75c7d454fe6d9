// Fuzzes the Cookie header parser and the Set-Cookie builder. Invariants:
// every parsed pair views the header itself, names are non-empty and hold
// no '=', ';' or surrounding blanks, values no ';'; and whatever Set-Cookie
// value the builder agrees to make (it throws on characters RFC 6265
// forbids) reads back, as a browser would send it, as the same name and value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "http/cookie.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

bool blank(char c) {
  return c == ' ' || c == '\t';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  auto cookies = tern::http::parse_cookies(header);
  std::size_t semicolons = 0;
  for (char c : header)
    semicolons += c == ';';
  check(cookies.size() <= semicolons + 1);
  for (const auto& [name, value] : cookies) {
    check(inside(name, header) && inside(value, header));
    check(!name.empty() && name.find_first_of("=;") == std::string_view::npos);
    check(!blank(name.front()) && !blank(name.back()));
    check(value.find(';') == std::string_view::npos);
    auto found = tern::http::find_cookie(cookies, name);
    check(found.has_value());
  }

  // The builder: the input split at its first '\n' into a name and a value.
  auto nl = header.find('\n');
  tern::http::SetCookie sc;
  sc.name = std::string(header.substr(0, nl));
  sc.value = nl == std::string_view::npos ? "" : std::string(header.substr(nl + 1));
  std::string line;
  try {
    line = sc.to_string();
  } catch (const std::invalid_argument&) {
    return 0;
  }
  // A browser sends back the "name=value" before the first attribute.
  std::string sent = line.substr(0, line.find(';'));
  auto back = tern::http::parse_cookies(sent);
  check(back.size() == 1 && back[0].first == sc.name && back[0].second == sc.value);
  return 0;
}
