#include "db/session_store.hpp"

#include <charconv>

namespace tern::db {

std::string encode_session(const SessionData& data) {
  return "{\"uid\":" + std::to_string(data.user_id) +
         ",\"created\":" + std::to_string(data.created) + "}";
}

namespace {

// The integer after `"key":` in `text`; nullopt if absent or malformed.
std::optional<std::int64_t> field(std::string_view text, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":";
  auto at = text.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  const char* begin = text.data() + at + needle.size();
  const char* end = text.data() + text.size();
  while (begin < end && *begin == ' ')
    ++begin;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<SessionData> decode_session(std::string_view text) {
  auto uid = field(text, "uid");
  auto created = field(text, "created");
  if (!uid || !created || *uid <= 0) return std::nullopt;
  return SessionData{*uid, *created};
}

bool past_lifetime(const SessionData& data, const SessionLimits& limits, std::int64_t now) {
  return now - data.created >= limits.absolute.count();
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tern::db
