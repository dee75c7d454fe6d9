#include "handlers/loop_services.hpp"

#include <stdexcept>

namespace tern::handlers {

namespace {

thread_local LoopServices* this_loop = nullptr;
thread_local std::unique_ptr<LoopServices> owned;

db::PgOptions pg_options(const Config& config) {
  db::PgOptions o;
  o.url = config.database_url;
  o.connections = config.db_connections;
  o.statement_timeout = config.db_statement_timeout;
  o.query_timeout = config.db_statement_timeout * 2;
  return o;
}

}  // namespace

LoopServices::LoopServices(asio::io_context& io, const Config& config)
    : pg_(io.get_executor(), pg_options(config)),
      redis_(io.get_executor(), db::RedisUrl::parse(config.redis_url)) {
  pg_.start();
}

LoopServices::~LoopServices() = default;

void LoopServices::close() {
  pg_.close();
  redis_.close();
}

LoopServices& LoopServices::current() {
  if (!this_loop) throw std::logic_error("no LoopServices on this thread (not a loop thread)");
  return *this_loop;
}

void LoopServicesHooks::loop_started(asio::io_context& io) {
  owned = std::make_unique<LoopServices>(io, config_);
  this_loop = owned.get();
}

void LoopServicesHooks::loop_stopping() {
  if (owned) owned->close();
}

void LoopServicesHooks::loop_stopped() {
  this_loop = nullptr;
  owned.reset();
}

}  // namespace tern::handlers
