#include "db/pg_transaction.hpp"

#include <libpq-fe.h>

#include <cstring>

namespace tern::db {

namespace {
const Statement kCommit{"tern_commit", "COMMIT"};
}

PgTransaction::PgTransaction(PgPool& pool, PgConnection& connection)
    : pool_(&pool), connection_(&connection), generation_(connection.generation()) {}

PgTransaction::PgTransaction(PgTransaction&& other) noexcept
    : pool_(other.pool_), connection_(other.connection_), generation_(other.generation_) {
  other.connection_ = nullptr;
}

PgTransaction::~PgTransaction() {
  rollback();
}

PgConnection& PgTransaction::live_connection() {
  if (!connection_) throw PgError(PgError::Kind::other, "transaction already ended");
  if (connection_->generation() != generation_) {
    end();
    throw PgError(PgError::Kind::connection_lost, "connection lost during the transaction");
  }
  return *connection_;
}

void PgTransaction::end() {
  if (!connection_) return;
  // After a reconnect the connection may already serve someone else's
  // transaction: only the holder of the current generation may free it.
  pool_->release(connection_->generation() == generation_ ? connection_ : nullptr);
  connection_ = nullptr;
}

void PgTransaction::rollback() {
  if (!connection_) return;
  if (connection_->generation() == generation_) connection_->send_detached("ROLLBACK");
  end();
}

asio::awaitable<PgResult> PgTransaction::execute(const Statement* statement, std::string sql,
                                                 Params params) {
  PgConnection& c = live_connection();
  ++pool_->queries_;
  PgOutcome out = co_await c.exchange(statement, sql, params);
  if (out.error) throw std::move(*out.error);
  co_return std::move(out.result);
}

asio::awaitable<void> PgTransaction::commit() {
  PgConnection& c = live_connection();
  ++pool_->queries_;
  const std::string no_sql;
  const Params no_params;
  PgOutcome out = co_await c.exchange(&kCommit, no_sql, no_params);
  end();
  if (out.error) throw std::move(*out.error);
  // After a failed statement (whose error the caller caught), COMMIT ends
  // the transaction by rolling it back, and says so only in its tag.
  if (std::strcmp(PQcmdStatus(const_cast<pg_result*>(out.result.get())), "ROLLBACK") == 0)
    throw PgError(PgError::Kind::other, "transaction rolled back: a statement in it had failed");
}

}  // namespace tern::db
