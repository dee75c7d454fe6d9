#include "core/hashtags.hpp"

#include <locale.h>
#include <wctype.h>

#include <algorithm>

#include "core/utf8.hpp"

namespace tern {

namespace {

// glibc's C.UTF-8 carries the full Unicode case tables and, unlike the
// process locale, is the same on every machine: tags must not depend on how
// a server was started.
locale_t unicode_locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
  return locale;
}

char32_t to_lower(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  locale_t locale = unicode_locale();
  return locale ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), locale)) : cp;
}

}  // namespace

bool is_js_space(char32_t cp) {
  constexpr char32_t kSpaces[] = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0xA0,
                                  0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF};
  return (cp >= 0x2000 && cp <= 0x200A) || std::ranges::find(kSpaces, cp) != std::end(kSpaces);
}

std::string lower_case(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = utf8::decode(text, i);
    if (cp == utf8::kInvalid) continue;  // callers validate; never emit bad bytes
    utf8::append(out, to_lower(cp));
  }
  return out;
}

Hashtags extract_hashtags(std::string_view content) {
  Hashtags found;
  std::size_t i = 0;
  while (i < content.size()) {
    if (content[i] != '#') {
      utf8::decode(content, i);
      continue;
    }
    std::size_t begin = ++i;
    while (i < content.size()) {
      std::size_t at = i;
      char32_t cp = utf8::decode(content, i);
      if (cp == '#' || is_js_space(cp)) {
        i = at;
        break;
      }
    }
    if (i == begin) continue;  // a lone '#'
    std::string tag = lower_case(content.substr(begin, i - begin));
    if (utf8::length(tag) > kMaxHashtagLength) found.too_long = true;
    if (std::find(found.tags.begin(), found.tags.end(), tag) != found.tags.end()) continue;
    if (found.tags.size() == kMaxHashtags) {
      found.too_many = true;
      continue;
    }
    found.tags.push_back(std::move(tag));
  }
  return found;
}

}  // namespace tern
