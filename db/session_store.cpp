#include "db/session_store.hpp"

#include "core/json_reader.hpp"

namespace tern::db {

std::string encode_session(const SessionData& data) {
  return "{\"uid\":" + std::to_string(data.user_id) +
         ",\"created\":" + std::to_string(data.created) + "}";
}

std::optional<SessionData> decode_session(std::string_view text) {
  std::int64_t v[2];
  if (!read_json_integers(text, {"uid", "created"}, v) || v[0] <= 0) return std::nullopt;
  return SessionData{v[0], v[1]};
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
