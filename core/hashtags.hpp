// Hashtags in a post, as NodeBird finds them (`/#[^\s#]+/g`): every '#'
// followed by one or more code points that are neither JavaScript whitespace
// (\s: the Unicode space separators, line terminators and BOM) nor '#'.
// Each is lower-cased with Unicode's simple case mapping (`#Ünï` and `#ünï`
// are one tag; `#노드` has no case and stays) and kept once, in the order of
// first appearance, without its '#'.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern {

inline constexpr std::size_t kMaxHashtags = 20;       // per post
inline constexpr std::size_t kMaxHashtagLength = 50;  // code points, after lower-casing

// JavaScript's \s (ECMA-262 WhiteSpace and LineTerminator).
bool is_js_space(char32_t cp);

// Unicode simple lower-casing of well-formed UTF-8 (locale-independent).
std::string lower_case(std::string_view text);

struct Hashtags {
  std::vector<std::string> tags;  // lower-cased, distinct, first appearance first
  bool too_many = false;          // more than kMaxHashtags distinct tags
  bool too_long = false;          // a tag over kMaxHashtagLength code points
};

// `content` must be well-formed UTF-8 (check with utf8::valid first).
Hashtags extract_hashtags(std::string_view content);

}  // namespace tern
