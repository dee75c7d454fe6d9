// Small text helpers shared by the HTTP code: ASCII case-insensitive
// comparison (header names, tokens), token characters, optional-whitespace trimming (RFC 9110
// OWS) and locale-free number formatting.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::http {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// RFC 9110 §5.6.2 tchar: what a token (a header name, a method) is made of.
inline bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Frees a string's heap buffer. `s = std::string()` would not: libstdc++
// move-assigns an empty (in-place) string by copying its characters into
// the buffer `s` already has, capacity and all.
inline void release_buffer(std::string& s) {
  std::string().swap(s);
}

inline void append_uint(std::string& out, std::uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

inline void append_hex(std::string& out, std::uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n, 16);
  out.append(buf, r.ptr);
}

}  // namespace tern::http
