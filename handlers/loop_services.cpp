#include "handlers/loop_services.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "core/log.hpp"
#include "db/session_store_postgres.hpp"
#include "db/session_store_redis.hpp"

namespace tern::handlers {

namespace {

db::PgOptions pg_options(const Config& config) {
  db::PgOptions o;
  o.url = config.database_url;
  o.connections = config.db_connections;
  o.statement_timeout = config.db_statement_timeout;
  o.query_timeout = config.db_statement_timeout * 2;
  return o;
}

db::SessionLimits session_limits(const Config& config) {
  return {config.session_idle, config.session_lifetime, config.sessions_per_user};
}

}  // namespace

LoopServices::LoopServices(asio::io_context& io, const Config& config,
                           db::MemorySessionStore& memory, metrics::LoopMetrics& metrics)
    : metrics_(metrics),
      pg_(io.get_executor(), pg_options(config)),
      redis_(io.get_executor(), config.redis),
      sessions_(&memory),
      me_(
          io.get_executor(),
          [this](std::vector<std::int64_t> ids) { return db::users::me_many(pg_, std::move(ids)); },
          [](const db::Me& m) { return m.user.id; }),
      tokens_(io, config, pg_, redis_),
      sweep_timer_(io) {
  pg_.start();
  if (config.session_store == SessionStoreKind::postgres)
    own_sessions_ = std::make_unique<db::PostgresSessionStore>(pg_, session_limits(config));
  else if (config.session_store == SessionStoreKind::redis)
    own_sessions_ = std::make_unique<db::RedisSessionStore>(redis_, session_limits(config));
  if (own_sessions_) sessions_ = own_sessions_.get();
  // Every loop sweeps a share of the process's memory store, so expired
  // sessions of users who never come back do not sit there until it fills.
  bool sweeps = config.session_store == SessionStoreKind::memory;
  asio::co_spawn(io, every_second(sweeps ? &memory : nullptr), asio::detached);
}

asio::awaitable<void> LoopServices::every_second(db::MemorySessionStore* memory) {
  while (!closed_) {
    publish_metrics();
    sweep_timer_.expires_after(std::chrono::seconds(1));
    std::error_code ec;
    co_await sweep_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) break;
    if (memory) memory->sweep_step();
  }
}

void LoopServices::publish_metrics() {
  auto pg = pg_.stats();
  metrics_.pg_queries.set(pg.queries);
  metrics_.pg_connects.set(pg.connects);
  metrics_.pg_ready.set(pg.ready);
  metrics_.pg_reserved.set(pg.reserved);
  metrics_.pg_in_flight.set(pg.in_flight);
  metrics_.pg_size.set(pg.size);
  metrics_.redis_commands.set(redis_.commands_sent());
  metrics_.redis_reconnects.set(redis_.reconnects());
  metrics_.redis_connected.set(redis_.connected() ? 1 : 0);
  metrics_.redis_in_flight.set(redis_.in_flight());
}

LoopServices::~LoopServices() = default;

void LoopServices::close() {
  closed_ = true;
  sweep_timer_.cancel();
  tokens_.close();
  pg_.close();
  redis_.close();
}

LoopServices& services_of(const http::Request& req) {
  auto* services = dynamic_cast<LoopServices*>(req.loop);
  if (!services) throw std::logic_error("request without LoopServices (not served by App)");
  return *services;
}

LoopServicesHooks::LoopServicesHooks(const Config& config, FirstLoop first_loop)
    : config_(config),
      memory_sessions_(session_limits(config)),
      first_loop_(std::move(first_loop)) {
  if (config.session_store == SessionStoreKind::memory && config.workers > 1)
    log::warn(
        "TERN_SESSION_STORE=memory with TERN_WORKERS > 1: each process keeps its own "
        "sessions, so a login is only known to the process that made it");
}

LoopServicesHooks::~LoopServicesHooks() = default;

http::LoopLocal* LoopServicesHooks::loop_started(asio::io_context& io,
                                                 metrics::LoopMetrics& metrics) {
  auto services = std::make_unique<LoopServices>(io, config_, memory_sessions_, metrics);
  LoopServices* local = services.get();
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    loops_.push_back(std::move(services));
    first = !std::exchange(first_started_, true);
  }
  if (first && first_loop_) first_loop_(io, *local);
  return local;
}

void LoopServicesHooks::loop_stopping(http::LoopLocal* local) {
  if (auto* services = dynamic_cast<LoopServices*>(local)) services->close();
}

void LoopServicesHooks::loop_stopped(http::LoopLocal* local) {
  std::unique_ptr<LoopServices> gone;  // destroyed here, on its loop's thread, unlocked
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(loops_.begin(), loops_.end(),
                           [local](const auto& s) { return s.get() == local; });
    if (it == loops_.end()) return;
    gone = std::move(*it);
    loops_.erase(it);
  }
}

}  // namespace tern::handlers
