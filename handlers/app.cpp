#include "handlers/app.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include "handlers/auth.hpp"
#include "handlers/domains.hpp"
#include "handlers/ops.hpp"
#include "handlers/people.hpp"
#include "handlers/posts.hpp"
#include "handlers/token_api.hpp"
#include "handlers/uploads.hpp"
#include "workers/images.hpp"

namespace tern::handlers {

using http::Request;
using http::Response;

App::App(const Config& config, Pools pools, metrics::Metrics& metrics)
    : config_(config),
      router_(config.max_body_bytes),
      web_(config.web_root, pools.io),
      hashing_(config.hash_jobs_per_address),
      uploads_(config.upload_dir),
      thumbnailer_(uploads_, pools.cpu, pools.io, metrics),
      loop_services_(config, [this](asio::io_context& io, LoopServices& services) {
        // Once per process, on its first loop: thumbnails a stop left pending.
        asio::co_spawn(io, thumbnailer_.resume(services.pg()), asio::detached);
      }) {
  workers::init_images();
  uploads_.create();
  // API.md: responses under /auth, /api and /v2 are never cached; the
  // token API has NodeBird's error shape.
  const std::vector<std::pair<std::string, std::string>> no_store = {{"Cache-Control", "no-store"}};
  router_.group({.prefix = "/auth", .headers = no_store});
  router_.group({.prefix = "/api", .headers = no_store});
  router_.group({.prefix = "/v2", .error_shape = http::status_code_error, .headers = no_store});
  router_.group({.prefix = "/v1", .error_shape = http::status_code_error, .headers = no_store});
  router_.use(origin_check(config_));
  router_.use(session_identity(config_));
  router_.use(token_api_gate());
  add_ops_routes(router_, config_, metrics);
  add_auth_routes(router_, config_, pools.cpu, hashing_);
  add_post_routes(router_);
  add_people_routes(router_);
  add_domain_routes(router_);
  add_token_routes(router_, config_);
  add_upload_routes(router_, config_, pools.cpu, pools.io, uploads_, thumbnailer_);

  // The single-page client: its own routes all serve index.html, and any
  // other GET falls through to the files under web/.
  auto spa = [this](Request& req, Response& res) -> asio::awaitable<void> {
    co_await web_.serve_file("index.html", req, res);
  };
  for (const char* path :
       {"/", "/join", "/login", "/profile", "/users/:id", "/hashtag", "/posts/:id", "/developers"})
    router_.get(path, spa);
  router_.fallback([this](Request& req, Response& res) { return web_.serve(req, res); });
}

}  // namespace tern::handlers
