// LoopServices: what one event-loop thread owns besides its connections — its
// PostgreSQL pool and its Redis client. A handler always runs on the loop
// that accepted its connection, and the request it is given carries that
// loop's services (http::Request::loop; services_of(req) below): nothing in
// them is shared with another thread, and no handler looks them up in a
// thread-local, so a test can hand a handler services of its own.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/config.hpp"
#include "db/batch_loader.hpp"
#include "db/pg_pool.hpp"
#include "db/redis_client.hpp"
#include "db/session_store.hpp"
#include "db/session_store_memory.hpp"
#include "db/users.hpp"
#include "handlers/token_state.hpp"
#include "http/server.hpp"

namespace tern::handlers {

class LoopServices final : public http::LoopLocal {
 public:
  // `memory`: the process-wide store, used when TERN_SESSION_STORE=memory.
  // `metrics`: the loop's counters, where its pools' figures are copied
  // every second.
  LoopServices(asio::io_context& io, const Config& config, db::MemorySessionStore& memory,
               metrics::LoopMetrics& metrics);
  ~LoopServices() override;

  db::PgPool& pg() { return pg_; }
  db::RedisClient& redis() { return redis_; }
  db::SessionStore& sessions() { return *sessions_; }
  // The signed-in user of /api/me, batched per loop turn (db/batch_loader.hpp).
  db::BatchLoader<std::int64_t, db::Me>& me() { return me_; }
  // The token API's codec, denylist and CORS hosts (handlers/token_state.hpp).
  TokenState& tokens() { return tokens_; }
  void close();

 private:
  metrics::LoopMetrics& metrics_;
  db::PgPool pg_;
  db::RedisClient redis_;
  std::unique_ptr<db::SessionStore> own_sessions_;  // postgres or redis: this loop's
  db::SessionStore* sessions_;
  db::BatchLoader<std::int64_t, db::Me> me_;
  TokenState tokens_;
  asio::steady_timer sweep_timer_;  // metrics and the memory store's sweep, once a second
  bool closed_ = false;

  asio::awaitable<void> every_second(db::MemorySessionStore* memory);
  void publish_metrics();
};

// Creates each loop's services when the loop starts, and closes and frees
// them on that loop when it stops (the http::Server calls these).
class LoopServicesHooks final : public http::LoopHooks {
 public:
  // `first_loop` runs once, on the first loop to start, with its services
  // (background work of the process such as resuming thumbnails).
  using FirstLoop = std::function<void(asio::io_context&, LoopServices&)>;
  explicit LoopServicesHooks(const Config& config, FirstLoop first_loop = {});
  ~LoopServicesHooks() override;
  http::LoopLocal* loop_started(asio::io_context& io, metrics::LoopMetrics& metrics) override;
  void loop_stopping(http::LoopLocal* local) override;
  void loop_stopped(http::LoopLocal* local) override;

 private:
  const Config& config_;
  db::MemorySessionStore memory_sessions_;  // shared by the loops of this process
  std::mutex mutex_;                        // loops start and stop on their own threads
  std::vector<std::unique_ptr<LoopServices>> loops_;
  FirstLoop first_loop_;
  bool first_started_ = false;
};

// The services of the loop serving `req`; std::logic_error if it has none
// (a request that did not come through a server with these hooks).
LoopServices& services_of(const http::Request& req);

}  // namespace tern::handlers
