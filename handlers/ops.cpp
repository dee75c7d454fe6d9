#include "handlers/ops.hpp"

#include "core/json_writer.hpp"
#include "core/log.hpp"
#include "db/pg_error.hpp"
#include "db/redis_error.hpp"
#include "handlers/loop_services.hpp"
#include "http/error.hpp"

namespace tern::handlers {

using http::Request;
using http::Response;

namespace {

const db::Statement kPing{"ops_ping", "SELECT 1"};

// One round trip to each backing service of this loop: "ok" or "down".
// Why it is down (an address, a libpq message) goes to the log, never to
// whoever asks: /readyz is public.
asio::awaitable<std::string> check_postgres(LoopServices& s) {
  try {
    co_await s.pg().query(kPing);
    co_return "ok";
  } catch (const std::exception& e) {
    log::warn(std::string("readyz: postgres down: ") + e.what());
    co_return "down";
  }
}

asio::awaitable<std::string> check_redis(LoopServices& s) {
  try {
    co_await s.redis().ping();
    co_return "ok";
  } catch (const std::exception& e) {
    log::warn(std::string("readyz: redis down: ") + e.what());
    co_return "down";
  }
}

// A loopback client: 127.0.0.0/8, ::1, or IPv4 mapped into IPv6.
bool loopback(std::string_view address) {
  return address.starts_with("127.") || address == "::1" || address.starts_with("::ffff:127.");
}

}  // namespace

void add_ops_routes(http::Router& router, const Config& config, const metrics::Metrics& metrics) {
  if (config.metrics != MetricsAccess::off) {
    // Summed over the loops now, on the loop that serves the scrape.
    // Refused as a 404, so that a public port does not even say it exists.
    router.get("/metrics",
               [&metrics, local = config.metrics == MetricsAccess::local](
                   Request& req, Response& res) -> asio::awaitable<void> {
                 if (local && !loopback(req.client_address))
                   throw http::HttpError(404, "not_found", "no such file");
                 res.text(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
                 co_return;
               });
  }
  router.get("/healthz", [](Request&, Response& res) -> asio::awaitable<void> {
    res.text(200, "ok\n");
    co_return;
  });
  // Ready when this process's loop can reach PostgreSQL and Redis; 503
  // naming the one that is down otherwise (checked by the loop that serves
  // the probe: every loop has its own connections).
  router.get("/readyz", [](Request& req, Response& res) -> asio::awaitable<void> {
    auto& services = services_of(req);
    std::string pg = co_await check_postgres(services);
    std::string redis = co_await check_redis(services);
    bool ready = pg == "ok" && redis == "ok";
    std::string body;
    JsonWriter(body).begin_object().field("postgres", pg).field("redis", redis).end_object();
    res.json(ready ? 200 : 503, std::move(body));
  });
  router.get("/plaintext", [](Request&, Response& res) -> asio::awaitable<void> {
    res.text(200, "Hello, World!", "text/plain");
    co_return;
  });
  router.get("/json", [](Request&, Response& res) -> asio::awaitable<void> {
    // Serialized per request, as the TechEmpower rules require.
    std::string body;
    JsonWriter(body).begin_object().field("message", "Hello, World!").end_object();
    res.json(200, std::move(body));
    co_return;
  });
}

}  // namespace tern::handlers
