// Sessions in PostgreSQL's user_sessions table (sid, sess json, expire), as
// connect-pg-simple keeps them. load() is one UPDATE ... RETURNING that reads
// and renews the expiry together; expired rows are pruned at most once a
// minute per process, in the background of a save.
#pragma once

#include <atomic>

#include "db/pg_pool.hpp"
#include "db/session_store.hpp"

namespace tern::db {

class PostgresSessionStore final : public SessionStore {
 public:
  PostgresSessionStore(PgPool& pool, SessionLimits limits) : pool_(pool), limits_(limits) {}

  asio::awaitable<std::optional<SessionData>> load(std::string sid) override;
  asio::awaitable<void> save(std::string sid, SessionData data) override;
  asio::awaitable<void> remove(std::string sid) override;

 private:
  PgPool& pool_;
  SessionLimits limits_;
};

}  // namespace tern::db
