#include "handlers/backing_errors.hpp"

#include <optional>
#include <string>

#include "core/log.hpp"
#include "db/pg_error.hpp"
#include "db/redis_error.hpp"

namespace tern::handlers {

asio::awaitable<void> backing_errors(http::Request& req, http::Response& res, http::Next next) {
  std::optional<std::string> down;  // which service, for the message
  try {
    co_await next();
  } catch (const db::PgError& e) {
    if (!e.is_unavailable()) throw;
    down = std::string("database: ") + e.what();
  } catch (const db::RedisError& e) {
    if (!e.is_unavailable()) throw;
    down = std::string("redis: ") + e.what();
  }
  if (!down) co_return;
  log::warn("503 for " + std::string(req.path) + ": " + *down);
  res.error(503, "service_unavailable", "a backing service is unavailable; retry shortly");
  res.set_header("Retry-After", "1");
}

}  // namespace tern::handlers
