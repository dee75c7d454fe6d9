// URL pieces: percent-decoding, query strings and urlencoded forms
// (WHATWG application/x-www-form-urlencoded, where '+' is a space).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::http {

// Decodes %XX escapes (and '+' as space when `plus_is_space`). nullopt on a
// malformed escape or a NUL byte, raw or decoded, which no tern route accepts.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space = false);

using Params = std::vector<std::pair<std::string, std::string>>;

// Parses "a=1&b=two" (also the body of an urlencoded form). Pairs keep their
// order; a key without '=' has an empty value. nullopt on bad escapes, or when
// there are more than `max_pairs` pairs.
std::optional<Params> parse_query(std::string_view query, std::size_t max_pairs = 256);

// First value for `key`, if any.
std::optional<std::string_view> find_param(const Params& params, std::string_view key);

// True when `path` is `prefix` itself or lies below "prefix/" — whole
// segments only, so "/apix" is not under "/api".
inline bool path_under(std::string_view path, std::string_view prefix) {
  return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace tern::http
