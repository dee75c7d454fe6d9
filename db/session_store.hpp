// Sessions of the web client, behind one small interface with three homes
// (TERN_SESSION_STORE): `memory` (this process only), `postgres` (the
// user_sessions table, as connect-pg-simple keeps it) and `redis` (one key
// per session with a TTL). Each step of DESIGN.md's "one road" is a real,
// switchable store, and the same handlers run on all three.
//
// Two limits: the idle timeout (every load renews it, in the same round trip)
// and the absolute lifetime (counted from the login, never renewed). A
// session past either is gone: load() answers nullopt and forgets it. And a
// bound: at most `per_user` live sessions per user; save() ends the oldest.
#pragma once

#include <asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::db {

struct SessionData {
  std::int64_t user_id = 0;
  std::int64_t created = 0;  // unix seconds, for the absolute lifetime
};

struct SessionLimits {
  std::chrono::seconds idle{24 * 3600};
  std::chrono::seconds absolute{7 * 24 * 3600};
  // Live sessions per user: saving one more ends that user's oldest (by
  // login time). Sessions already past a limit do not count.
  unsigned per_user = 20;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // The session, its idle timeout renewed; nullopt when unknown or expired.
  virtual asio::awaitable<std::optional<SessionData>> load(std::string sid) = 0;
  // Stores a new session; ends the user's oldest beyond SessionLimits::per_user.
  virtual asio::awaitable<void> save(std::string sid, SessionData data) = 0;
  virtual asio::awaitable<void> remove(std::string sid) = 0;
};

// The stored form, shared by the postgres and redis stores:
// {"uid":123,"created":1700000000} — what connect-pg-simple would keep too.
std::string encode_session(const SessionData& data);
std::optional<SessionData> decode_session(std::string_view text);

// Whether `data` has outlived the absolute lifetime at `now` (unix seconds).
bool past_lifetime(const SessionData& data, const SessionLimits& limits, std::int64_t now);
std::int64_t unix_now();

}  // namespace tern::db
