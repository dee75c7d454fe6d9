// Sessions in PostgreSQL's user_sessions table (sid, sess json, expire), as
// connect-pg-simple keeps them. load() reads and renews the expiry together
// in one UPDATE ... RETURNING, which the loads of one loop turn share
// (db/batch_loader.hpp): one write statement per batch, not per request.
// Expired rows are pruned at most once a minute per process, after a save.
#pragma once

#include <atomic>
#include <string>

#include "db/batch_loader.hpp"
#include "db/pg_pool.hpp"
#include "db/session_store.hpp"

namespace tern::db {

class PostgresSessionStore final : public SessionStore {
 public:
  PostgresSessionStore(PgPool& pool, SessionLimits limits);

  asio::awaitable<std::optional<SessionData>> load(std::string sid) override;
  asio::awaitable<void> save(std::string sid, SessionData data) override;
  asio::awaitable<void> remove(std::string sid) override;

 private:
  struct Stored {
    std::string sid;
    std::string sess;  // the JSON text
  };

  PgPool& pool_;
  SessionLimits limits_;
  BatchLoader<std::string, Stored> renew_;
};

}  // namespace tern::db
