#include "handlers/input.hpp"

#include <charconv>

#include "core/hashtags.hpp"
#include "core/utf8.hpp"
#include "http/error.hpp"

namespace tern::handlers {

using http::HttpError;

namespace {

// Digits only ("+1", "01x", " 1" are not ids), at most 18 of them: every id
// PostgreSQL hands out fits, and no parse can overflow.
bool parse_positive(std::string_view text, std::int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out > 0;
}

}  // namespace

std::int64_t path_id(const http::Request& req, std::string_view name) {
  std::int64_t id = 0;
  if (!parse_positive(req.param(name), id))
    throw HttpError(400, "invalid_id", "the id in the path must be a positive integer");
  return id;
}

int page_limit(http::Request& req, int fallback, int max) {
  auto text = http::find_param(req.query_params(), "limit");
  if (!text) return fallback;
  std::int64_t n = 0;
  if (!parse_positive(*text, n) || n > max)
    throw HttpError(400, "invalid_limit", "limit must be 1 to " + std::to_string(max));
  return static_cast<int>(n);
}

std::int64_t cursor(http::Request& req, std::string_view name) {
  auto text = http::find_param(req.query_params(), name);
  if (!text) return 0;
  std::int64_t id = 0;
  if (!parse_positive(*text, id))
    throw HttpError(400, "invalid_cursor", std::string(name) + " must be a positive id");
  return id;
}

std::string hashtag_param(const http::Request& req, std::string_view name) {
  std::string_view tag = req.param(name);
  if (!utf8::valid(tag) || tag.empty() || utf8::length(tag) > 4 * kMaxHashtagLength)
    throw http::HttpError(400, "invalid_hashtag", "not a hashtag");
  return lower_case(tag);
}

std::string field(const http::Params& fields, std::string_view name) {
  auto v = http::find_param(fields, name);
  return v ? std::string(*v) : std::string();
}

std::string text_field(const http::Params& fields, std::string_view name, std::size_t min,
                       std::size_t max, std::string_view code) {
  std::string text = field(fields, name);
  bool ok = utf8::valid(text);
  for (unsigned char c : text)
    ok = ok && (c >= 0x20 || c == '\n' || c == '\t') && c != 0x7F;
  std::size_t n = ok ? utf8::length(text) : 0;
  if (!ok || n < min || n > max)
    throw HttpError(400, std::string(code),
                    std::string(name) + " must be " + std::to_string(min) + " to " +
                        std::to_string(max) + " characters of text");
  return text;
}

}  // namespace tern::handlers
