#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include "http/error.hpp"
#include "http/router.hpp"

using namespace tern::http;

namespace {

Handler tag(std::string name) {
  return [name](Request&, Response& res) -> asio::awaitable<void> {
    res.text(200, name);
    co_return;
  };
}

Request request(Method m, std::string_view path) {
  Request r;
  r.method = m;
  r.path = path;
  return r;
}

// Runs a dispatch to completion; returns the body or "<status>".
std::string run(const Router& router, Request& req) {
  asio::io_context io;
  Response res;
  auto m = router.match(req);
  std::string out;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await router.dispatch(req, res, m);
          out = res.body;
        } catch (const HttpError& e) {
          out = "<" + std::to_string(e.status()) + ">";
          for (const auto& [name, value] : e.headers())
            if (name == "Allow") out += value;
        }
      },
      asio::detached);
  io.run();
  return out;
}

}  // namespace

TEST_CASE("literal beats param, params are decoded") {
  Router r;
  r.get("/posts/new", tag("new"));
  r.get("/posts/:id", tag("id"));
  r.get("/posts/:id/like", tag("like"));
  r.get("/", tag("root"));
  auto a = request(Method::get, "/posts/new");
  CHECK(run(r, a) == "new");
  auto b = request(Method::get, "/posts/12%20x");
  CHECK(run(r, b) == "id");
  CHECK(b.param("id") == "12 x");
  auto c = request(Method::get, "/posts/new/like");
  CHECK(run(r, c) == "like");
  CHECK(c.param("id") == "new");
  auto d = request(Method::get, "/");
  CHECK(run(r, d) == "root");
}

TEST_CASE("unknown paths are 404, wrong methods 405 with Allow") {
  Router r;
  r.get("/a", tag("a"));
  r.post("/a", tag("post"));
  auto x = request(Method::get, "/b");
  CHECK(run(r, x) == "<404>");
  auto y = request(Method::del, "/a");
  CHECK(run(r, y) == "<405>GET, HEAD, POST");
  auto t = request(Method::get, "/a/");
  CHECK(run(r, t) == "<404>");
}

TEST_CASE("HEAD falls back to GET") {
  Router r;
  r.get("/a", tag("a"));
  auto h = request(Method::head, "/a");
  CHECK(run(r, h) == "a");
}

TEST_CASE("rest segments capture the remaining path") {
  Router r;
  r.get("/uploads/*file", tag("up"));
  auto q = request(Method::get, "/uploads/x/y.png");
  CHECK(run(r, q) == "up");
  CHECK(q.param("file") == "x/y.png");
}

TEST_CASE("malformed escapes in params are 400") {
  Router r;
  r.get("/u/:id", tag("u"));
  auto q = request(Method::get, "/u/%zz");
  CHECK(run(r, q) == "<400>");
}

TEST_CASE("route limits and duplicate detection") {
  Router r(100);
  r.post("/big", tag("b"), {.max_body = 5000});
  r.post("/small", tag("s"));
  auto big = request(Method::post, "/big");
  CHECK(r.match(big).max_body == 5000);
  auto small = request(Method::post, "/small");
  CHECK(r.match(small).max_body == 100);
  CHECK_THROWS_AS(r.post("/big", tag("again")), std::invalid_argument);
  CHECK_THROWS_AS(r.get("/x/:a", tag("1")); r.get("/x/:b/c", tag("2")), std::invalid_argument);
}

TEST_CASE("middleware runs in order around the handler, and can answer alone") {
  Router r;
  std::string trace;
  r.use([&](Request& req, Response& res, Next next) -> asio::awaitable<void> {
    trace += "1";
    if (req.path == "/blocked") {
      res.text(403, "no");
      co_return;
    }
    co_await next();
    trace += "3";
  });
  r.get("/a", [&](Request&, Response& res) -> asio::awaitable<void> {
    trace += "2";
    res.text(200, "a");
    co_return;
  });
  auto a = request(Method::get, "/a");
  CHECK(run(r, a) == "a");
  CHECK(trace == "123");
  auto b = request(Method::get, "/blocked");
  CHECK(run(r, b) == "no");
}
