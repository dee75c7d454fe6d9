// PgConnection: one PostgreSQL connection in libpq pipeline mode, driven by
// the event loop. Queries are sent as soon as they are asked for, each closed
// by its own sync point (so each runs in its own implicit transaction and an
// error in one never aborts another), and many are in flight at once; results
// come back in order and are matched to a FIFO of waiters.
//
// The socket is watched with an asio::posix::stream_descriptor that does not
// own the fd (libpq does); nothing here ever blocks: connecting uses
// PQconnectStartParams/PQconnectPoll, sending uses non-blocking PQflush, and
// reading PQconsumeInput/PQisBusy.
//
// Lifetime: run() is the connection's one long-lived coroutine. It connects,
// reads until the connection breaks, fails whatever was in flight, waits a
// backoff and connects again, until close(). Anyone wanting the connection
// dropped (a deadline, a send error, close) calls abort(), which only cancels
// the socket wait: run() does all the tearing down, in one place.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/completion.hpp"
#include "db/pg_error.hpp"
#include "db/pg_result.hpp"
#include "db/pg_statement.hpp"

struct pg_conn;

namespace tern::db {

struct PgOptions {
  std::string url;                                     // postgresql://user@host:port/db?...
  unsigned connections = 2;                            // per event-loop thread
  std::size_t max_in_flight = 4096;                    // per connection; beyond → unavailable
  std::chrono::milliseconds statement_timeout{5'000};  // server side, per statement
  std::chrono::milliseconds query_timeout{10'000};     // client side: no answer → reconnect
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds acquire_timeout{5'000};  // waiting while all are in transactions
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{2'000};
};

// What a query delivers: its rows, or why not.
struct PgOutcome {
  PgResult result;
  std::optional<PgError> error;
};

class PgConnection {
 public:
  using Clock = std::chrono::steady_clock;

  PgConnection(asio::any_io_executor executor, const PgOptions& options);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  asio::awaitable<void> run();  // until close(); see the file comment
  void close();
  void check_deadlines(Clock::time_point now);  // called by the pool's ticker

  bool ready() const { return state_ == State::ready; }
  // Still in the first connection attempt since the pool started.
  bool first_attempt() const { return state_ != State::ready && generation_ == 0; }
  std::size_t in_flight() const { return pending_.size(); }
  std::uint64_t generation() const { return generation_; }  // changes when the link drops
  std::uint64_t connects() const { return connects_; }

  // Sends a query; `done` receives the outcome (never inline). If the
  // connection is not ready, `done` gets `unavailable` at once.
  void send(const Statement& statement, const Params& params, Completion<PgOutcome> done);
  void send(const std::string& sql, const Params& params, Completion<PgOutcome> done);
  // send(), awaited: the outcome of `statement`, or of `sql` when statement
  // is null. The arguments are read when the co_await starts; pass named
  // objects, not temporaries (see docs/ARCHITECTURE.md, compiler pitfall).
  asio::awaitable<PgOutcome> exchange(const Statement* statement, const std::string& sql,
                                      const Params& params);
  // For BEGIN and ROLLBACK: nobody waits; a failure resets the connection, so
  // a transaction can never be left open by mistake.
  void send_detached(const char* sql);

  // Called (on the connection's executor) each time the connection becomes
  // ready or drops; the pool uses it to wake those waiting for a connection.
  void on_change(std::function<void()> listener) { on_change_ = std::move(listener); }

  bool reserved = false;  // held by a transaction; managed by the pool

 private:
  // down: not connected (not yet, or lost; run() retries after a backoff).
  enum class State { down, connecting, ready, closed };
  struct Pending {
    Completion<PgOutcome> done;  // empty for send_detached
    int queries;                 // statements before the sync: 1, or 2 with a prepare
    int finished = 0;            // of those, how many have ended (a NULL result)
    const Statement* preparing;  // the statement prepared in front of the execute
    Clock::time_point sent;
    PgOutcome outcome;
  };
  struct Finish {
    void operator()(pg_conn* c) const;
  };

  asio::awaitable<bool> connect();
  asio::awaitable<void> serve();
  bool drain_results();
  void complete_front();
  void after_send(Pending pending);
  asio::awaitable<void> flush_when_writable(std::uint64_t generation);
  void take_buffered_results();
  void abort(PgError::Kind kind, std::string reason);
  void tear_down();
  bool watch_socket();

  asio::any_io_executor executor_;
  const PgOptions& options_;
  std::string statement_timeout_option_;
  std::unique_ptr<pg_conn, Finish> conn_;
  asio::posix::stream_descriptor socket_;  // not owning: libpq closes the fd
  asio::steady_timer backoff_timer_;
  State state_ = State::down;
  std::optional<PgError> abort_;  // why run() should drop the connection
  std::deque<Pending> pending_;
  std::vector<bool> prepared_;  // by Statement::id(), for this session
  std::uint64_t generation_ = 0;
  std::uint64_t connects_ = 0;
  Clock::time_point connect_deadline_{};
  std::function<void()> on_change_;
  bool flushing_ = false;
  bool outage_logged_ = false;
};

}  // namespace tern::db
