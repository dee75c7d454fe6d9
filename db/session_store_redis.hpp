// Sessions in Redis: one key per session ("sess:<id>"), its TTL the idle
// timeout. load() is one GETEX, which reads and renews the TTL in one round
// trip; a key past the absolute lifetime is deleted on sight.
//
// Each user's sessions are also listed in a sorted set ("sess:user:<uid>",
// scored by login time, expiring with the absolute lifetime), which save()
// uses to end the oldest beyond SessionLimits::per_user — all in one script,
// which first drops the members whose session key is gone (idle-expired or
// logged out), so that dead sessions never push out a live one. The script
// names session keys it was not given as KEYS: fine for one Redis server or
// a Sentinel pair, not for Redis Cluster.
#pragma once

#include "db/redis_client.hpp"
#include "db/session_store.hpp"

namespace tern::db {

class RedisSessionStore final : public SessionStore {
 public:
  RedisSessionStore(RedisClient& redis, SessionLimits limits, std::string prefix = "sess:")
      : redis_(redis), limits_(limits), prefix_(std::move(prefix)) {}

  asio::awaitable<std::optional<SessionData>> load(std::string sid) override;
  asio::awaitable<void> save(std::string sid, SessionData data) override;
  asio::awaitable<void> remove(std::string sid) override;

 private:
  RedisClient& redis_;
  SessionLimits limits_;
  std::string prefix_;
};

}  // namespace tern::db
