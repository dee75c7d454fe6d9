#include "db/pg_pool.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "db/pg_transaction.hpp"

namespace tern::db {

namespace {
constexpr std::chrono::milliseconds kTick{100};
}

PgPool::PgPool(asio::any_io_executor executor, PgOptions options)
    : executor_(executor), options_(std::move(options)), ticker_(executor) {
  if (options_.connections == 0) options_.connections = 1;
  for (unsigned i = 0; i < options_.connections; ++i) {
    connections_.push_back(std::make_unique<PgConnection>(executor_, options_));
    connections_.back()->on_change([this] { wake_waiters(); });
  }
}

// The connections' coroutines must have ended (close(), then let the
// executor run) before this: they refer to the connections.
PgPool::~PgPool() = default;

void PgPool::start() {
  for (auto& c : connections_)
    asio::co_spawn(executor_, c->run(), asio::detached);
  asio::co_spawn(executor_, tick(), asio::detached);
}

void PgPool::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& c : connections_)
    c->close();
  ticker_.cancel();
  for (Waiter& w : waiters_)
    w.wake.complete(false);
  waiters_.clear();
}

bool PgPool::starting() const {
  if (any_ready()) return false;
  for (auto& c : connections_)
    if (c->first_attempt()) return true;
  return false;
}

bool PgPool::any_ready() const {
  for (auto& c : connections_)
    if (c->ready()) return true;
  return false;
}

PgPool::Stats PgPool::stats() const {
  Stats s;
  s.queries = queries_;
  s.size = static_cast<unsigned>(connections_.size());
  for (auto& c : connections_) {
    s.connects += c->connects();
    s.ready += c->ready();
    s.reserved += c->ready() && c->reserved;
    s.in_flight += c->in_flight();
  }
  return s;
}

PgConnection* PgPool::pick(bool for_transaction) {
  PgConnection* best = nullptr;
  unsigned ready = 0, reserved = 0;
  for (auto& c : connections_) {
    if (!c->ready()) continue;
    ++ready;
    if (c->reserved) {
      ++reserved;
      continue;
    }
    if (!best || c->in_flight() < best->in_flight()) best = c.get();
  }
  // Keep one connection for plain queries, so that transactions waiting on
  // each other can never starve the simple reads (with a pool of one, a
  // transaction holds it and plain queries wait: use tx.query inside one).
  if (for_transaction && options_.connections > 1 && ready - reserved <= 1) return nullptr;
  if (best && best->in_flight() >= options_.max_in_flight)
    throw PgError(PgError::Kind::unavailable, "database pipeline is full");
  return best;
}

asio::awaitable<PgConnection*> PgPool::acquire(bool for_transaction) {
  auto deadline = PgConnection::Clock::now() + options_.acquire_timeout;
  for (;;) {
    if (closed_) throw PgError(PgError::Kind::unavailable, "database pool closed");
    if (!any_ready() && !starting())
      throw PgError(PgError::Kind::unavailable, "database unavailable");
    if (PgConnection* c = pick(for_transaction)) co_return c;
    bool woken = co_await async_completion<bool>([this, deadline](Completion<bool> wake) {
      waiters_.push_back({std::move(wake), deadline});
    });
    if (!woken)
      throw PgError(PgError::Kind::unavailable, "timed out waiting for a database connection");
  }
}

void PgPool::release(PgConnection* connection) {
  if (connection) connection->reserved = false;
  wake_waiters();
}

void PgPool::wake_waiters() {
  // Everyone re-picks: a plain query can use any connection that is free now.
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (Waiter& w : waiters)
    w.wake.complete(true);
}

asio::awaitable<PgResult> PgPool::execute(const Statement* statement, std::string sql,
                                          Params params) {
  PgConnection* c = pick(false);
  if (!c) c = co_await acquire(false);
  ++queries_;
  PgOutcome out = co_await c->exchange(statement, sql, params);
  if (out.error) throw std::move(*out.error);
  co_return std::move(out.result);
}

asio::awaitable<PgTransaction> PgPool::begin() {
  PgConnection* c = pick(true);
  if (!c) c = co_await acquire(true);
  c->reserved = true;
  c->send_detached("BEGIN");
  co_return PgTransaction(*this, *c);
}

asio::awaitable<bool> PgPool::wait_ready(std::chrono::milliseconds timeout) {
  auto deadline = PgConnection::Clock::now() + timeout;
  asio::steady_timer timer(executor_);
  while (!any_ready() && !closed_ && PgConnection::Clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return any_ready();
}

asio::awaitable<void> PgPool::tick() {
  while (!closed_) {
    ticker_.expires_after(kTick);
    std::error_code ec;
    co_await ticker_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) break;
    auto now = PgConnection::Clock::now();
    for (auto& c : connections_)
      c->check_deadlines(now);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->deadline < now) {
        it->wake.complete(false);
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace tern::db
