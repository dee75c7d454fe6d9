// PgTransaction: BEGIN ... COMMIT on a connection held for it alone, as an
// RAII scope in a coroutine. If it is destroyed without commit() — an
// exception, an early co_return — it rolls back.
//
//   auto tx = co_await pool.begin();
//   auto post = co_await tx.query(kInsertPost, user, content);
//   co_await tx.query(kLinkHashtags, post_id, tags);
//   co_await tx.commit();
//
// BEGIN and ROLLBACK are pipelined without waiting for their answers (they
// cannot fail on a healthy connection; if one does, the connection is reset,
// which ends the transaction on the server too). If the connection drops
// mid-transaction, every later query throws connection_lost.
#pragma once

#include <asio/awaitable.hpp>

#include <cstdint>
#include <string>

#include "db/pg_pool.hpp"

namespace tern::db {

class PgTransaction {
 public:
  PgTransaction(PgPool& pool, PgConnection& connection);
  PgTransaction(PgTransaction&& other) noexcept;
  PgTransaction& operator=(PgTransaction&&) = delete;
  ~PgTransaction();

  template <class... Args>
  asio::awaitable<PgResult> query(const Statement& statement, const Args&... args) {
    return execute(&statement, {}, Params(args...));
  }
  template <class... Args>
  asio::awaitable<PgResult> query_sql(std::string sql, const Args&... args) {
    return execute(nullptr, std::move(sql), Params(args...));
  }

  asio::awaitable<void> commit();  // ends the transaction, also when it throws
  void rollback();                 // ends it without waiting; also the destructor's job

 private:
  asio::awaitable<PgResult> execute(const Statement* statement, std::string sql, Params params);
  PgConnection& live_connection();  // throws once the connection has dropped
  void end();

  PgPool* pool_;
  PgConnection* connection_;
  std::uint64_t generation_;
};

}  // namespace tern::db
