// The one place a failed request becomes a response: every kind of failure,
// in both shapes, with the half-built response thrown away first.
#include <doctest/doctest.h>

#include <asio/multiple_exceptions.hpp>

#include <functional>

#include "core/thread_pool.hpp"
#include "db/pg_error.hpp"
#include "db/redis_error.hpp"
#include "http/error.hpp"
#include "http/error_response.hpp"
#include "http/router.hpp"

using namespace tern;
using http::Response;

namespace {

// Renders what `raise` throws into a response that a handler had started.
Response render(const std::function<void()>& raise, http::ErrorShape shape = http::json_error) {
  http::Request req;
  req.path = "/x";
  Response res;
  res.set_header("X-Half-Built", "1");
  res.add_header("Set-Cookie", "sid=leaked");
  res.text(200, "partial body");
  try {
    raise();
  } catch (...) {
    http::render_error(std::current_exception(), req, res, shape);
  }
  return res;
}

}  // namespace

TEST_CASE("errors: an HttpError is answered as it says, with its headers, on a cleared response") {
  auto res = render([] {
    throw http::HttpError(429, "too_many_attempts", "slow down").with_header("Retry-After", "7");
  });
  CHECK(res.status == 429);
  CHECK(res.body == R"({"error":{"code":"too_many_attempts","message":"slow down"}})");
  CHECK(res.header("Retry-After") == "7");
  CHECK_FALSE(res.header("X-Half-Built"));
  CHECK_FALSE(res.header("Set-Cookie"));
}

TEST_CASE("errors: the token API's shape is {code, message}") {
  auto res = render([] { throw http::HttpError(401, "invalid_token", "bad token"); },
                    http::status_code_error);
  CHECK(res.status == 401);
  CHECK(res.body == R"({"code":401,"message":"bad token"})");
  CHECK(res.content_type == "application/json");
}

TEST_CASE("errors: every unavailable backing service is one 503 with Retry-After") {
  using PK = db::PgError::Kind;
  using RK = db::RedisError::Kind;
  std::vector<std::function<void()>> raises = {
      [] { throw db::PgError(PK::unavailable, "down"); },
      [] { throw db::PgError(PK::connection_lost, "lost"); },
      [] { throw db::PgError(PK::timeout, "slow"); },
      [] { throw db::RedisError(RK::unavailable, "down"); },
      [] { throw db::RedisError(RK::timeout, "slow"); },
      [] { throw PoolFull(); },
      [] { throw BackingError("session store", "full"); },
      // Two queries awaited together, both failed (asio's awaitable operators).
      [] {
        throw asio::multiple_exceptions(
            std::make_exception_ptr(db::PgError(PK::connection_lost, "lost")));
      },
  };
  for (auto& raise : raises) {
    auto res = render(raise);
    CHECK(res.status == 503);
    CHECK(res.body.find("\"service_unavailable\"") != std::string::npos);
    CHECK(res.body.find("down") == std::string::npos);  // the detail is for the log
    CHECK(res.header("Retry-After") == "1");
  }
}

TEST_CASE("errors: anything else is a 500 that says nothing of its cause") {
  for (auto raise : std::vector<std::function<void()>>{
           [] { throw db::PgError(db::PgError::Kind::unique_violation, "users_email_key"); },
           [] { throw db::RedisError(db::RedisError::Kind::reply_error, "ERR wrong"); },
           [] { throw std::runtime_error("handler bug"); },
           [] { throw 42; },
       }) {
    auto res = render(raise);
    CHECK(res.status == 500);
    CHECK(res.body == R"({"error":{"code":"internal_error","message":"internal server error"}})");
    CHECK_FALSE(res.header("X-Half-Built"));
  }
}

TEST_CASE("route groups: the longest prefix wins, on whole segments, routed or not") {
  http::Router router;
  router.group({.prefix = "/api", .headers = {{"Cache-Control", "no-store"}}});
  router.group({.prefix = "/api/v2x", .error_shape = http::status_code_error});
  router.get("/api/me", [](http::Request&, Response&) -> asio::awaitable<void> { co_return; });
  auto group_of = [&](std::string_view path) {
    http::Request req;
    req.method = http::Method::get;
    req.path = path;
    auto m = router.match(req);
    return m.group ? m.group->prefix : std::string("none");
  };
  CHECK(group_of("/api/me") == "/api");
  CHECK(group_of("/api") == "/api");
  CHECK(group_of("/api/unknown") == "/api");  // a 404 under /api is still /api's
  CHECK(group_of("/api/v2x/a") == "/api/v2x");
  CHECK(group_of("/apix") == "none");
  CHECK(group_of("/") == "none");
  CHECK_THROWS_AS(router.group({.prefix = "api"}), std::invalid_argument);
}
