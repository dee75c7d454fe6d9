// Sessions in Redis: one key per session ("sess:<id>"), its TTL the idle
// timeout. load() is one GETEX, which reads and renews the TTL in one round
// trip; a key past the absolute lifetime is deleted on sight.
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
