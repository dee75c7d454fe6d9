// Routing: a tree of path segments, literal children before `:param`
// children, with an optional `*rest` tail. Matching walks the tree once per
// request — no regular expressions — and the route is found as soon as the
// head is parsed, so the route's body limit applies before the body is read.
//
// A request whose path exists with other methods gets 405 and an Allow
// header; HEAD is served by the GET route. Middleware runs for every request,
// matched or not (so it can answer CORS preflights or refuse early).
#pragma once

#include <asio/awaitable.hpp>

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/body_sink.hpp"
#include "http/error_response.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tern::http {

using Handler = std::function<asio::awaitable<void>(Request&, Response&)>;

class Router;
struct Route;

// What every request under a path prefix ("/api", "/v2") shares, whether or
// not a route matched: the shape of its error bodies, and headers that all
// its responses carry, errors included (Cache-Control: no-store, say).
struct RouteGroup {
  std::string prefix;  // matches the prefix itself and everything below "prefix/"
  ErrorShape error_shape = json_error;
  std::vector<std::pair<std::string, std::string>> headers{};

  void add_headers(Response& res) const {
    for (const auto& [name, value] : headers)
      res.set_header(name, value);
  }
};

// What a route lookup found.
struct Match {
  const Route* route = nullptr;
  std::string allow;      // non-empty: the path exists, for these methods only (405)
  bool bad_path = false;  // a :param segment had a malformed %-escape (400)
  std::size_t max_body = 0;
  const RouteGroup* group = nullptr;  // the longest prefix group of the path
};

// The rest of the middleware chain, as seen from one middleware.
class Next {
 public:
  asio::awaitable<void> operator()() const;

 private:
  friend class Router;
  Next(const Router& r, const Match& m, Request& q, Response& s, std::size_t i)
      : router_(r), match_(m), req_(q), res_(s), index_(i) {}
  const Router& router_;
  const Match& match_;
  Request& req_;
  Response& res_;
  std::size_t index_;
};

using Middleware = std::function<asio::awaitable<void>(Request&, Response&, Next)>;

struct RouteOptions {
  std::optional<std::size_t> max_body;  // default: the router's
  BodySinkFactory body_sink{};          // set: the body streams there (http/body_sink.hpp)
};

struct Route {
  Method method;
  std::string pattern;
  std::size_t index;  // in the order routes were added (route_names())
  Handler handler;
  std::size_t max_body;
  BodySinkFactory body_sink;
};

class Router {
 public:
  explicit Router(std::size_t default_max_body = 1 << 20);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Patterns look like "/api/posts/:id" or "/uploads/*path". Throws
  // std::invalid_argument on a malformed pattern or a duplicate route.
  void add(Method method, std::string_view pattern, Handler handler, RouteOptions options = {});
  void get(std::string_view p, Handler h, RouteOptions o = {}) { add(Method::get, p, h, o); }
  void post(std::string_view p, Handler h, RouteOptions o = {}) { add(Method::post, p, h, o); }
  void put(std::string_view p, Handler h, RouteOptions o = {}) { add(Method::put, p, h, o); }
  void del(std::string_view p, Handler h, RouteOptions o = {}) { add(Method::del, p, h, o); }

  void use(Middleware middleware);
  // Declares a group; the longest matching prefix wins.
  void group(RouteGroup group);
  // Serves GET and HEAD requests that match no route (the static client).
  void fallback(Handler handler);

  // Looks the request up and fills req.params.
  Match match(Request& req) const;
  // Runs the middleware chain and then the route (or 404/405/fallback).
  asio::awaitable<void> dispatch(Request& req, Response& res, const Match& match) const;

  std::size_t default_max_body() const { return default_max_body_; }
  // "GET /api/posts/:id" for every route, by Route::index (for /metrics).
  std::vector<std::string> route_names() const;

 private:
  friend class Next;
  struct Node;
  asio::awaitable<void> run_route(Request& req, Response& res, const Match& match) const;
  asio::awaitable<void> run_chain(Request& req, Response& res, const Match& match,
                                  std::size_t index) const;

  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<Middleware> middleware_;
  std::vector<std::unique_ptr<RouteGroup>> groups_;
  Handler fallback_;
  std::size_t default_max_body_;
};

}  // namespace tern::http
