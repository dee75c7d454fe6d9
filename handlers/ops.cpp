#include "handlers/ops.hpp"

#include "http/json_writer.hpp"

namespace tern::handlers {

using http::Request;
using http::Response;

void add_ops_routes(http::Router& router) {
  router.get("/healthz", [](Request&, Response& res) -> asio::awaitable<void> {
    res.text(200, "ok\n");
    co_return;
  });
  router.get("/plaintext", [](Request&, Response& res) -> asio::awaitable<void> {
    res.text(200, "Hello, World!", "text/plain");
    co_return;
  });
  router.get("/json", [](Request&, Response& res) -> asio::awaitable<void> {
    // Serialized per request, as the TechEmpower rules require.
    std::string body;
    http::JsonWriter(body).begin_object().field("message", "Hello, World!").end_object();
    res.json(200, std::move(body));
    co_return;
  });
}

}  // namespace tern::handlers
