// Handlers without a server: a request is dispatched through the App's
// router by hand, with the loop's services handed to it in Request::loop,
// on a plain io_context in the test's own thread. That handlers reach their
// dependencies through the request, not a thread-local of a loop thread, is
// what makes this possible; the session middleware's Identity is checked
// on the way.
#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <atomic>
#include <map>
#include <string>
#include <thread>

#include "core/config.hpp"
#include "core/thread_pool.hpp"
#include "handlers/app.hpp"
#include "handlers/auth.hpp"
#include "handlers/loop_services.hpp"
#include "tests/db/test_env.hpp"

using namespace tern;

namespace {

struct Call {
  std::string method, path, body, cookie;
  std::vector<http::Header> headers = {};  // views of string literals
};

// Runs one request through the router: what the connection does, minus sockets.
asio::awaitable<http::Response> dispatch(const http::Router& router, handlers::LoopServices& loop,
                                         const Call& call) {
  http::Request req;
  req.method = call.method == "POST" ? http::Method::post : http::Method::get;
  req.method_text = call.method;
  req.path = req.target = call.path;
  req.body = call.body;
  req.headers.push_back({"content-type", "application/json"});
  if (!call.cookie.empty()) req.headers.push_back({"cookie", call.cookie});
  for (const auto& h : call.headers)
    req.headers.push_back(h);
  req.client_address = req.remote_address = "192.0.2.77";
  req.loop = &loop;
  http::Response res;
  auto match = router.match(req);
  try {
    co_await router.dispatch(req, res, match);
  } catch (...) {
    http::render_error(std::current_exception(), req, res, http::json_error);
  }
  co_return res;
}

Config test_config() {
  std::map<std::string, std::string> vars{{"DATABASE_URL", test::test_database_url()},
                                          {"REDIS_URL", test::test_redis_url()},
                                          {"TERN_SESSION_SECRET", std::string(40, 's')},
                                          {"TERN_JWT_SECRET", std::string(40, 'j')},
                                          {"TERN_SESSION_STORE", "memory"},
                                          // Every run joins from the same address.
                                          {"TERN_JOIN_MAX_PER_ADDRESS", "1000000"}};
  return load_config([&](std::string_view k) -> std::optional<std::string> {
    auto it = vars.find(std::string(k));
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  });
}

std::string unique_email(const char* tag) {
  return tag + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) +
         "@example.com";
}

}  // namespace

TEST_CASE("handlers: join, login and /api/me dispatched by hand, off any loop thread") {
  test::ensure_migrated();
  Config config = test_config();
  ThreadPool cpu(1, 16), io_pool(1, 16);
  metrics::Metrics metrics;
  handlers::App app(config, {.cpu = cpu, .io = io_pool}, metrics);
  db::MemorySessionStore memory({});
  asio::io_context io;
  metrics::LoopMetrics loop_metrics(0);
  handlers::LoopServices loop(io, config, memory, loop_metrics);

  std::string email = unique_email("direct");
  std::string cookie;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        CHECK(co_await loop.pg().wait_ready(std::chrono::seconds(10)));
        // Named calls, never temporaries inside a co_await: g++ 12 moves such
        // temporaries bitwise (docs/ARCHITECTURE.md, compiler pitfall).
        const Call me_anonymous{"GET", "/api/me", "", ""};
        auto anonymous = co_await dispatch(app.router(), loop, me_anonymous);
        CHECK(anonymous.status == 401);
        const Call join{"POST", "/auth/join",
                        R"({"email":")" + email + R"(","nick":"direct","password":"password1"})",
                        ""};
        auto joined = co_await dispatch(app.router(), loop, join);
        CHECK(joined.status == 201);
        const Call login_call{"POST", "/auth/login",
                              R"({"email":")" + email + R"(","password":"password1"})", ""};
        auto login = co_await dispatch(app.router(), loop, login_call);
        REQUIRE(login.status == 200);
        auto set_cookie = std::string(login.header("Set-Cookie").value_or(""));
        cookie = set_cookie.substr(0, set_cookie.find(';'));
        const Call me_call{"GET", "/api/me", "", cookie};
        auto me = co_await dispatch(app.router(), loop, me_call);
        CHECK(me.status == 200);
        CHECK(me.body.find("\"nick\":\"direct\"") != std::string::npos);
        // A cookie whose MAC is wrong is nobody, without a store lookup.
        const Call forged_call{"GET", "/api/me", "", cookie.substr(0, cookie.size() - 2) + "AA"};
        auto forged = co_await dispatch(app.router(), loop, forged_call);
        CHECK(forged.status == 401);

        // TERN_PUBLIC_ORIGIN is not set here: the origin derived from
        // TERN_LISTEN is ours, and so is the one the request's Host names
        // (localhost instead of 127.0.0.1); any other is refused.
        const Call from_localhost{
            "POST",
            "/auth/logout",
            "",
            "",
            {{"origin", "http://localhost:8080"}, {"host", "localhost:8080"}}};
        CHECK((co_await dispatch(app.router(), loop, from_localhost)).status == 204);
        const Call from_listen{"POST",
                               "/auth/logout",
                               "",
                               "",
                               {{"origin", "http://127.0.0.1:8080"}, {"host", "elsewhere"}}};
        CHECK((co_await dispatch(app.router(), loop, from_listen)).status == 204);
        const Call from_evil{"POST",
                             "/auth/logout",
                             "",
                             "",
                             {{"origin", "http://evil.example"}, {"host", "localhost:8080"}}};
        CHECK((co_await dispatch(app.router(), loop, from_evil)).status == 403);
        loop.close();
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  CHECK(cookie.starts_with("sid="));
}

TEST_CASE("handlers: a login whose password was never checked gives its attempt back") {
  // The CPU pool is full when the login comes: its verification cannot run,
  // the answer is 503, and the attempt it had reserved must not count as a
  // failure — else an overload would lock honest users out.
  test::ensure_migrated();
  Config config = test_config();
  ThreadPool cpu(1, 1), io_pool(1, 16);
  metrics::Metrics metrics;
  handlers::App app(config, {.cpu = cpu, .io = io_pool}, metrics);
  db::MemorySessionStore memory({});
  asio::io_context io;
  metrics::LoopMetrics loop_metrics(0);
  handlers::LoopServices loop(io, config, memory, loop_metrics);
  std::string email = unique_email("unchecked");
  std::string address_key = "login:fail:addr:192.0.2.77";
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        CHECK(co_await loop.pg().wait_ready(std::chrono::seconds(10)));
        auto del = co_await loop.redis().command("DEL", address_key);
        (void)del;
        const Call join{"POST", "/auth/join",
                        R"({"email":")" + email + R"(","nick":"u","password":"password1"})", ""};
        auto joined = co_await dispatch(app.router(), loop, join);
        REQUIRE(joined.status == 201);
        auto id_at = joined.body.find("\"id\":") + 5;
        std::string account_key =
            "login:fail:user:" + joined.body.substr(id_at, joined.body.find(',', id_at) - id_at);

        // One job running, one queued: the pool (queue bound 1) is full.
        std::atomic<bool> release{false};
        auto block = [&release] {
          while (!release.load())
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        };
        CHECK(cpu.try_post(block));
        while (cpu.queue_depth() > 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        CHECK(cpu.try_post(block));
        const Call wrong{"POST", "/auth/login",
                         R"({"email":")" + email + R"(","password":"wrong-pass"})", ""};
        auto refused = co_await dispatch(app.router(), loop, wrong);
        CHECK(refused.status == 503);
        auto account = co_await loop.redis().command("GET", account_key);
        auto address = co_await loop.redis().command("GET", address_key);
        CHECK(account.is_nil());  // given back, and gone at zero
        CHECK(address.is_nil());
        release = true;

        // Once the pool has room, a wrong password counts as it should.
        while (cpu.queue_depth() > 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        auto counted = co_await dispatch(app.router(), loop, wrong);
        CHECK(counted.status == 401);
        auto after = co_await loop.redis().command("GET", account_key);
        CHECK(after.as_string() == "1");
        auto cleanup = co_await loop.redis().command("DEL", account_key, address_key);
        (void)cleanup;
        loop.close();
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
}
