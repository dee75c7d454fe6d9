// The HTTP stack over real sockets: an in-process Server on a free port with
// test routes, driven by a blocking client that sends exact bytes.
#include <doctest/doctest.h>

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include "client.hpp"
#include "core/thread_pool.hpp"
#include "http/error.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"

using namespace std::chrono_literals;
using tern::test::Client;
using namespace tern::http;

namespace {

struct TestServer {
  explicit TestServer(ServerOptions options = defaults(), unsigned pool_threads = 2,
                      std::size_t pool_queue = 64)
      : pool(pool_threads, pool_queue), router(1024) {
    router.get("/hello", [](Request&, Response& res) -> asio::awaitable<void> {
      res.text(200, "hello");
      co_return;
    });
    router.post("/echo", [](Request& req, Response& res) -> asio::awaitable<void> {
      res.text(200, req.body);
      co_return;
    });
    router.post("/big",
                [](Request& req, Response& res) -> asio::awaitable<void> {
                  res.text(200, std::to_string(req.body.size()));
                  co_return;
                },
                {.max_body = 1 << 20});
    router.get("/slow", [](Request& req, Response& res) -> asio::awaitable<void> {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(300));
      co_await t.async_wait(asio::use_awaitable);
      res.text(200, "slow " + std::string(req.query));
    });
    router.get("/cpu", [this](Request&, Response& res) -> asio::awaitable<void> {
      auto job = [this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(blocking_ms.load()));
        return 7;
      };
      int v = co_await pool.run(std::move(job));
      res.text(200, std::to_string(v));
    });
    router.get("/users/:id", [](Request& req, Response& res) -> asio::awaitable<void> {
      res.text(200, "user " + std::string(req.param("id")));
      co_return;
    });
    router.get("/throws", [](Request&, Response&) -> asio::awaitable<void> {
      throw std::runtime_error("handler bug");
      co_return;
    });
    // A route group with the token API's error shape and its own header.
    router.group({.prefix = "/t",
                  .error_shape = status_code_error,
                  .headers = {{"Cache-Control", "no-store"}}});
    router.post("/t/small",
                [](Request& req, Response& res) -> asio::awaitable<void> {
                  res.text(200, req.body);
                  co_return;
                },
                {.max_body = 16});
    router.get("/t/half", [](Request&, Response& res) -> asio::awaitable<void> {
      res.set_header("X-Half", "1");
      res.set_cookie({.name = "sid", .value = "leak"});
      throw HttpError(429, "slow_down", "slow down").with_header("Retry-After", "3");
      co_return;
    });
    server = std::make_unique<Server>(options, router, pool);
    server->start();
  }

  static ServerOptions defaults() {
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    o.connection.access_log = false;
    o.connection.max_header_bytes = 2048;
    o.drain_timeout = 2000ms;
    return o;
  }

  std::uint16_t port() const { return server->port(); }

  tern::ThreadPool pool;
  Router router;
  std::unique_ptr<Server> server;
  std::atomic<int> blocking_ms{0};
};

}  // namespace

TEST_CASE("keep-alive: several requests on one connection") {
  TestServer s;
  Client c(s.port());
  for (int i = 0; i < 5; ++i) {
    auto r = c.request("GET", "/hello");
    CHECK(r.status == 200);
    CHECK(r.body == "hello");
    CHECK(r.header("connection").empty());
    CHECK(r.header("date").size() == 29);
    CHECK(r.header("content-length") == "5");
  }
}

TEST_CASE("pipelined requests are answered in order") {
  TestServer s;
  Client c(s.port());
  c.send(
      "GET /slow?1 HTTP/1.1\r\nHost: a\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
      "GET /users/7 HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(c.read().body == "slow 1");
  CHECK(c.read().body == "hello");
  CHECK(c.read().body == "abc");
  CHECK(c.read().body == "user 7");
}

TEST_CASE("chunked request bodies") {
  TestServer s;
  Client c(s.port());
  c.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
  std::this_thread::sleep_for(20ms);
  c.send("2\r\nde\r\n0\r\n\r\n");
  auto r = c.read();
  CHECK(r.status == 200);
  CHECK(r.body == "abcde");
  CHECK(c.request("GET", "/hello").status == 200);  // still usable
}

TEST_CASE("Expect: 100-continue") {
  TestServer s;
  SUBCASE("an acceptable body is invited") {
    Client c(s.port());
    c.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    auto interim = c.read();
    CHECK(interim.status == 100);
    c.send("body");
    auto r = c.read();
    CHECK(r.status == 200);
    CHECK(r.body == "body");
  }
  SUBCASE("an oversized body is refused before it is sent") {
    Client c(s.port());
    c.send(
        "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
    auto r = c.read();
    CHECK(r.status == 413);
    CHECK(r.header("connection") == "close");
    CHECK(r.header("content-type") == "application/json");
    CHECK(r.body.find("\"body_too_large\"") != std::string::npos);
  }
}

TEST_CASE("body limits are per route and refused without reading the body") {
  TestServer s;
  Client small(s.port());
  small.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\n");
  // Only the head was sent: the 413 must not wait for the body.
  auto r = small.read();
  CHECK(r.status == 413);
  CHECK(small.closed_by_peer());

  Client big(s.port());
  std::string body(100'000, 'x');
  auto ok = big.request("POST", "/big", body);
  CHECK(ok.status == 200);
  CHECK(ok.body == "100000");
}

TEST_CASE("a head over the limit is 431, malformed input 400, both close") {
  TestServer s;
  Client c(s.port());
  c.send("GET /hello HTTP/1.1\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
  auto r = c.read();
  CHECK(r.status == 431);
  CHECK(c.closed_by_peer());

  Client d(s.port());
  d.send("GET /hello HTTP/1.1\r\nBad Header Line\r\n\r\n");
  auto e = d.read();
  CHECK(e.status == 400);
  CHECK(e.body.find("\"error\"") != std::string::npos);
  CHECK(d.closed_by_peer());
}

TEST_CASE("HEAD, 404, 405 and handler errors") {
  TestServer s;
  Client c(s.port());
  auto head = c.request("HEAD", "/hello");
  CHECK(head.status == 200);
  CHECK(head.header("content-length") == "5");
  CHECK(c.request("GET", "/hello").body == "hello");  // no stray body bytes in between

  auto nf = c.request("GET", "/nope");
  CHECK(nf.status == 404);
  CHECK(nf.body == R"({"error":{"code":"not_found","message":"no such resource"}})");
  auto na = c.request("DELETE", "/hello");
  CHECK(na.status == 405);
  CHECK(na.header("allow") == "GET, HEAD");
  auto boom = c.request("GET", "/throws");
  CHECK(boom.status == 500);
  CHECK(c.request("GET", "/hello").status == 200);  // the connection survives
}

TEST_CASE("HTTP/1.0: close by default, keep-alive on request") {
  TestServer s;
  Client c(s.port());
  c.send("GET /hello HTTP/1.0\r\n\r\n");
  auto r = c.read();
  CHECK(r.status == 200);
  CHECK(r.header("connection") == "close");
  CHECK(c.closed_by_peer());

  Client k(s.port());
  k.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto r2 = k.read();
  CHECK(r2.header("connection") == "keep-alive");
  k.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  CHECK(k.read().status == 200);
}

TEST_CASE("a slow request head gets 408 and is closed") {
  auto o = TestServer::defaults();
  o.connection.header_timeout = 200ms;
  TestServer s(o);
  Client c(s.port());
  c.send("GET /hello HTTP/1.1\r\nHost: a\r\n");  // never finished
  auto start = std::chrono::steady_clock::now();
  auto r = c.read();
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(r.status == 408);
  CHECK(waited >= 150ms);
  CHECK(waited < 2s);
  CHECK(c.closed_by_peer());
}

TEST_CASE("trickling bytes does not extend the head deadline") {
  auto o = TestServer::defaults();
  o.connection.header_timeout = 300ms;
  TestServer s(o);
  Client c(s.port());
  bool refused = c.trickle("GET /hello HTTP/1.1\r\nX-A: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                           25ms, 800ms);
  // Either the server already closed the socket (the write failed) or the
  // 408 is waiting to be read.
  int status = refused ? 408 : c.read().status;
  CHECK(status == 408);
}

TEST_CASE("idle keep-alive connections are closed after the idle timeout") {
  auto o = TestServer::defaults();
  o.connection.idle_timeout = 200ms;
  TestServer s(o);
  Client c(s.port());
  CHECK(c.request("GET", "/hello").status == 200);
  std::this_thread::sleep_for(500ms);
  CHECK(c.closed_by_peer());
}

TEST_CASE("connections over the limit are refused with 503") {
  auto o = TestServer::defaults();
  o.max_connections = 2;
  o.threads = 1;
  TestServer s(o);
  Client a(s.port()), b(s.port());
  CHECK(a.request("GET", "/hello").status == 200);
  CHECK(b.request("GET", "/hello").status == 200);
  Client c(s.port());
  auto r = c.read();
  CHECK(r.status == 503);
  CHECK(r.header("retry-after") == "1");
  // The whole body, exactly as framed: nothing short, nothing left over.
  CHECK(r.body ==
        R"({"error":{"code":"too_many_connections","message":"connection limit reached"}})");
  CHECK(c.closed_by_peer());
}

TEST_CASE("a full worker pool answers 503 instead of queueing without bound") {
  TestServer s(TestServer::defaults(), 1, 1);
  s.blocking_ms = 400;
  // One job runs, one waits in the queue; the third finds the queue full.
  Client a(s.port()), b(s.port()), c(s.port());
  a.send("GET /cpu HTTP/1.1\r\nHost: a\r\n\r\n");
  std::this_thread::sleep_for(50ms);
  b.send("GET /cpu HTTP/1.1\r\nHost: a\r\n\r\n");
  std::this_thread::sleep_for(50ms);
  auto r = c.request("GET", "/cpu");
  CHECK(r.status == 503);
  CHECK(r.header("retry-after") == "1");
  CHECK(a.read().body == "7");
  CHECK(b.read().body == "7");
}

TEST_CASE("many concurrent clients") {
  TestServer s;
  constexpr int kClients = 64, kRequests = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i)
    threads.emplace_back([&, i] {
      Client c(s.port());
      for (int j = 0; j < kRequests; ++j) {
        std::string body = std::to_string(i) + ":" + std::to_string(j);
        auto r = c.request("POST", "/echo", body);
        if (r.status == 200 && r.body == body) ++ok;
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(ok == kClients * kRequests);
}

TEST_CASE("graceful drain: in-flight requests finish, idle connections close") {
  TestServer s;
  Client idle(s.port());
  CHECK(idle.request("GET", "/hello").status == 200);
  Client busy(s.port());
  busy.send("GET /slow?drain HTTP/1.1\r\nHost: a\r\n\r\n");
  std::this_thread::sleep_for(50ms);
  auto port = s.port();
  auto done = std::async(std::launch::async, [&] { s.server->shutdown(); });
  auto r = busy.read();
  CHECK(r.status == 200);
  CHECK(r.body == "slow drain");
  CHECK(r.header("connection") == "close");
  CHECK(idle.closed_by_peer());
  CHECK(done.wait_for(3s) == std::future_status::ready);
  // Nothing listens any more.
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  std::error_code ec;
  sock.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  CHECK(ec);
}

TEST_CASE("static files: types, ETag and 304, no traversal") {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("tern-static-" + std::to_string(::getpid()));
  fs::create_directories(root / "css");
  std::ofstream(root / "index.html") << "<h1>hi</h1>";
  std::ofstream(root / "css" / "a.css") << "body{}";
  std::ofstream(root / ".secret") << "no";
  std::ofstream(root.parent_path() / "outside.txt") << "no";

  TestServer s;
  StaticFiles files(root, s.pool);
  s.router.fallback([&](Request& req, Response& res) { return files.serve(req, res); });
  Client c(s.port());
  auto css = c.request("GET", "/css/a.css");
  CHECK(css.status == 200);
  CHECK(css.body == "body{}");
  CHECK(css.header("content-type") == "text/css; charset=utf-8");
  auto etag = css.header("etag");
  CHECK_FALSE(etag.empty());
  CHECK_FALSE(css.header("last-modified").empty());
  auto again = c.request("GET", "/css/a.css", "", "If-None-Match: " + etag + "\r\n");
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  auto since = c.request("GET", "/css/a.css", "",
                         "If-Modified-Since: " + css.header("last-modified") + "\r\n");
  CHECK(since.status == 304);
  auto index = c.request("GET", "/");
  CHECK(index.body == "<h1>hi</h1>");
  for (std::string evil : {"/../outside.txt", "/%2e%2e/outside.txt", "/css/..%2f..%2foutside.txt",
                           "/.secret", "/nothing.js"}) {
    CAPTURE(evil);
    CHECK(c.request("GET", evil).status == 404);
  }
  fs::remove_all(root);
  fs::remove(root.parent_path() / "outside.txt");
}

// --- Strict HTTP/1.1 over a real socket: a refused head is answered 400 and
// the connection closed, so nothing behind it is ever served.

namespace {

// Sends `raw` on a fresh connection; returns the first response and whether
// the server then closed without answering anything else.
std::pair<tern::test::HttpResponse, bool> first_and_closed(std::uint16_t port,
                                                           const std::string& raw) {
  Client c(port);
  c.send(raw);
  auto r = c.read();
  return {r, c.closed_by_peer()};
}

}  // namespace

TEST_CASE("strict: smuggling patterns are 400 and close; the request behind is never served") {
  TestServer s;
  const std::string behind = "GET /users/smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
  for (std::string head : {
           "POST /echo HTTP/1.1\r\nHost: a\r\nX: 1\r\n Content-Length: 5\r\n\r\n",
           "GET /hello HTTP/1.1\r\nHost: a\rX: 1\r\n\r\n",
           "GET /hello HTTP/1.1\r\nHost : a\r\n\r\n",
           "GET /hello HTTP/1.1\r\nX: 1\r\n\r\n",
           "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
           "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: "
           "chunked\r\n\r\n0\r\n\r\n",
           "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
           "GET /hello HTTP/1.1\nHost: a\n\n",
       }) {
    CAPTURE(head);
    auto [r, closed] = first_and_closed(s.port(), head + behind);
    CHECK(r.status == 400);
    CHECK(r.header("connection") == "close");
    CHECK(closed);
  }
}

TEST_CASE("strict: a target over 8 KiB is 414") {
  auto o = TestServer::defaults();
  o.connection.max_header_bytes = 64 << 10;
  TestServer s(o);
  auto [r, closed] = first_and_closed(
      s.port(), "GET /" + std::string(20'000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(r.status == 414);
  CHECK(closed);
}

TEST_CASE("strict: Upgrade requests are answered as plain requests and the stream stays in step") {
  TestServer s;
  for (std::string upgrade :
       {"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
        "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: "
        "AAMAAABkAARAAAAAAAIAAAAA\r\n"}) {
    CAPTURE(upgrade);
    Client c(s.port());
    c.send("GET /users/1 HTTP/1.1\r\nHost: a\r\n" + upgrade +
           "\r\nGET /users/2 HTTP/1.1\r\nHost: a\r\n\r\n" + "POST /echo HTTP/1.1\r\nHost: a\r\n" +
           upgrade + "Content-Length: 3\r\n\r\nabc" + "GET /users/3 HTTP/1.1\r\nHost: a\r\n\r\n");
    auto first = c.read();
    CHECK(first.status == 200);
    CHECK(first.body == "user 1");
    CHECK(first.header("upgrade").empty());
    CHECK(c.read().body == "user 2");
    CHECK(c.read().body == "abc");
    CHECK(c.read().body == "user 3");
    CHECK(c.request("GET", "/hello").body == "hello");
  }
}

TEST_CASE("a body trickled byte by byte is cut at the body deadline, not renewed by each byte") {
  auto o = TestServer::defaults();
  o.connection.body_timeout = 400ms;
  TestServer s(o);
  Client c(s.port());
  auto start = std::chrono::steady_clock::now();
  c.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n");
  bool refused = c.trickle(std::string(60, 'x'), 50ms, 1500ms);
  // Either the server already closed the socket (a write failed) or the 408
  // is waiting to be read, and the close behind it.
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  if (!refused) {
    CHECK(c.read().status == 408);
    CHECK(c.closed_by_peer());
  }
}

TEST_CASE("one address holds at most its share of connections; a closed one frees its slot") {
  auto o = TestServer::defaults();
  o.max_connections_per_address = 2;
  TestServer s(o);
  auto a = std::make_unique<Client>(s.port());
  Client b(s.port());
  CHECK(a->request("GET", "/hello").status == 200);
  CHECK(b.request("GET", "/hello").status == 200);
  {
    Client c(s.port());
    auto r = c.read();
    CHECK(r.status == 429);
    CHECK(r.header("retry-after") == "1");
    CHECK(
        r.body ==
        R"({"error":{"code":"too_many_connections","message":"too many connections from your address"}})");
    CHECK(c.closed_by_peer());
  }
  a.reset();  // its slot comes back once the server sees the close
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(20ms);
    Client d(s.port());
    d.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
    status = d.read().status;
  }
  CHECK(status == 200);
  CHECK(b.request("GET", "/hello").status == 200);
}

TEST_CASE("a trusted proxy is not one client: the per-address cap does not apply to it") {
  auto o = TestServer::defaults();
  o.max_connections_per_address = 2;
  o.connection.trusted_proxies = {"127.0.0.1"};
  TestServer s(o);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<Client>(s.port()));
    CHECK(clients.back()->request("GET", "/hello").status == 200);
  }
}

TEST_CASE("route groups: errors in the group's shape with its headers, on a cleared response") {
  TestServer s;
  Client c(s.port());
  auto r = c.request("GET", "/t/half");
  CHECK(r.status == 429);
  CHECK(r.body == R"({"code":429,"message":"slow down"})");
  CHECK(r.header("retry-after") == "3");
  CHECK(r.header("cache-control") == "no-store");
  CHECK(r.header("x-half").empty());
  CHECK(r.header("set-cookie").empty());
  r = c.request("GET", "/t/nothing-here");
  CHECK(r.status == 404);
  CHECK(r.body == R"({"code":404,"message":"no such resource"})");
  r = c.request("GET", "/t/small");
  CHECK(r.status == 405);
  CHECK(r.header("allow") == "POST");
  CHECK(r.body.starts_with(R"({"code":405,)"));
  // Outside the group: the default shape, no group header.
  r = c.request("GET", "/nothing-here");
  CHECK(r.body == R"({"error":{"code":"not_found","message":"no such resource"}})");
  CHECK(r.header("cache-control").empty());
  CHECK(r.header("x-content-type-options") == "nosniff");
  // A body over the route's limit is refused while parsing, still in the group's shape.
  Client d(s.port());
  d.send("POST /t/small HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n");
  r = d.read();
  CHECK(r.status == 413);
  CHECK(r.body == R"({"code":413,"message":"request body too large"})");
  CHECK(r.header("cache-control") == "no-store");
}
