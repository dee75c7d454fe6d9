// A backing service being down is a 503 with Retry-After, never a 500; other
// database errors are not this middleware's business and pass through.
#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <exception>
#include <functional>

#include "db/pg_error.hpp"
#include "db/redis_error.hpp"
#include "handlers/backing_errors.hpp"

using namespace tern;

namespace {

// Dispatches GET /x to a handler that throws `error`; returns the response,
// or rethrows what escaped the middleware.
http::Response run(std::function<void()> raise) {
  http::Router router;
  router.use(handlers::backing_errors);
  router.get("/x", [raise](http::Request&, http::Response&) -> asio::awaitable<void> {
    raise();
    co_return;
  });
  http::Request req;
  req.method = http::Method::get;
  req.path = "/x";
  http::Response res;
  auto match = router.match(req);
  std::exception_ptr escaped;
  asio::io_context io;
  asio::co_spawn(io, router.dispatch(req, res, match), [&](std::exception_ptr e) { escaped = e; });
  io.run();
  if (escaped) std::rethrow_exception(escaped);
  return res;
}

}  // namespace

TEST_CASE("backing errors: unavailable PostgreSQL or Redis is a 503 with Retry-After") {
  using PK = db::PgError::Kind;
  using RK = db::RedisError::Kind;
  for (auto kind : {PK::unavailable, PK::connection_lost, PK::timeout}) {
    auto res = run([kind] { throw db::PgError(kind, "down"); });
    CHECK(res.status == 503);
    CHECK(res.body.find("\"service_unavailable\"") != std::string::npos);
    CHECK(res.header("Retry-After") == "1");
  }
  for (auto kind : {RK::unavailable, RK::timeout}) {
    auto res = run([kind] { throw db::RedisError(kind, "down"); });
    CHECK(res.status == 503);
  }
}

TEST_CASE("backing errors: other failures pass through untouched") {
  CHECK_THROWS_AS(run([] { throw db::PgError(db::PgError::Kind::unique_violation, "dup"); }),
                  db::PgError);
  CHECK_THROWS_AS(run([] { throw db::RedisError(db::RedisError::Kind::reply_error, "ERR"); }),
                  db::RedisError);
  CHECK(run([] {}).status == 200);
}
