// PgPool: the PostgreSQL connections of one event-loop thread. Every query of
// that thread goes through it; nothing in it is shared with another thread,
// so the hot path takes no lock.
//
// A query goes to the ready connection with the fewest queries in flight
// (pipelining lets each carry thousands). A transaction takes a connection for
// itself until it ends (see PgTransaction); at least one connection always
// stays free of transactions when the pool has more than one. When no
// connection is up, queries fail at once with PgError::unavailable — a 503
// for the client — and the connections reconnect in the background; only
// during the very first connection attempts after start() do they wait
// (bounded by acquire_timeout) instead, so a server that has just started
// does not answer its first requests with 503.
//
// Whoever waits for a connection (a transaction while the others are held,
// or a query during start-up) is woken whenever a transaction ends and
// whenever a connection comes up or drops, and then picks again.
//
//   db::PgPool pool(io.get_executor(), options);
//   pool.start();
//   auto rows = co_await pool.query(kPostsPage, before, limit);
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/completion.hpp"
#include "db/pg_connection.hpp"

namespace tern::db {

class PgTransaction;

class PgPool {
 public:
  PgPool(asio::any_io_executor executor, PgOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  asio::any_io_executor get_executor() const { return executor_; }

  // Spawns the connections and the deadline ticker on the executor.
  void start();
  // Fails what is in flight, stops reconnecting; the executor then runs out of
  // this pool's work. Call on the pool's thread before destroying it.
  void close();

  template <class... Args>
  asio::awaitable<PgResult> query(const Statement& statement, const Args&... args) {
    return execute(&statement, {}, Params(args...));
  }
  // Unprepared SQL, for one-off statements (tests, maintenance).
  template <class... Args>
  asio::awaitable<PgResult> query_sql(std::string sql, const Args&... args) {
    return execute(nullptr, std::move(sql), Params(args...));
  }

  asio::awaitable<PgTransaction> begin();

  // Waits until a connection is up (for start-up and tests); false on timeout.
  asio::awaitable<bool> wait_ready(std::chrono::milliseconds timeout);

  struct Stats {
    std::uint64_t queries = 0;  // sent by this pool since it started
    std::uint64_t connects = 0;
    unsigned size = 0;  // connections the pool keeps
    unsigned ready = 0;
    unsigned reserved = 0;
    std::size_t in_flight = 0;
  };
  Stats stats() const;
  bool any_ready() const;

 private:
  friend class PgTransaction;
  struct Waiter {
    Completion<bool> wake;
    PgConnection::Clock::time_point deadline;
  };

  asio::awaitable<PgResult> execute(const Statement* statement, std::string sql, Params params);
  asio::awaitable<PgConnection*> acquire(bool for_transaction);
  PgConnection* pick(bool for_transaction);
  void release(PgConnection* connection);
  void wake_waiters();
  bool starting() const;
  asio::awaitable<void> tick();

  asio::any_io_executor executor_;
  PgOptions options_;
  std::vector<std::unique_ptr<PgConnection>> connections_;
  std::deque<Waiter> waiters_;
  asio::steady_timer ticker_;
  std::uint64_t queries_ = 0;
  bool closed_ = false;
};

}  // namespace tern::db
