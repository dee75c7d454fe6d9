#include "http/router.hpp"

#include <stdexcept>

#include "http/error.hpp"

namespace tern::http {
namespace {

constexpr std::size_t kMethods = 7;  // Method values below Method::other
constexpr std::size_t kMaxSegments = 32;

// Splits "/a/b/c" into {"a","b","c"}; "/" is one empty segment. False when
// there are too many segments for any route.
bool split_path(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  if (path.empty() || path[0] != '/') return false;
  path.remove_prefix(1);
  for (;;) {
    if (out.size() == kMaxSegments) return false;
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

struct Router::Node {
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
  std::unique_ptr<Node> param;
  std::string param_name;
  std::unique_ptr<Node> rest;  // "*name": matches the remaining segments
  std::string rest_name;
  std::array<const Route*, kMethods> by_method{};

  bool has_routes() const {
    for (auto* r : by_method)
      if (r) return true;
    return false;
  }
};

Router::Router(std::size_t default_max_body)
    : root_(std::make_unique<Node>()), default_max_body_(default_max_body) {}

Router::~Router() = default;

void Router::add(Method method, std::string_view pattern, Handler handler, RouteOptions options) {
  if (method == Method::other) throw std::invalid_argument("route needs a known method");
  std::vector<std::string_view> segments;
  if (!split_path(pattern, segments)) throw std::invalid_argument("bad route pattern");
  Node* node = root_.get();
  for (std::size_t i = 0; i < segments.size(); ++i) {
    std::string_view seg = segments[i];
    if (seg.starts_with(':')) {
      std::string name(seg.substr(1));
      if (name.empty()) throw std::invalid_argument("unnamed :param in " + std::string(pattern));
      if (!node->param) {
        node->param = std::make_unique<Node>();
        node->param_name = name;
      } else if (node->param_name != name) {
        throw std::invalid_argument("conflicting :param names in " + std::string(pattern));
      }
      node = node->param.get();
    } else if (seg.starts_with('*')) {
      if (i + 1 != segments.size()) throw std::invalid_argument("*rest must come last");
      if (!node->rest) {
        node->rest = std::make_unique<Node>();
        node->rest_name = std::string(seg.substr(1));
      }
      node = node->rest.get();
    } else {
      Node* next = nullptr;
      for (auto& [lit, child] : node->literals)
        if (lit == seg) next = child.get();
      if (!next) {
        node->literals.emplace_back(std::string(seg), std::make_unique<Node>());
        next = node->literals.back().second.get();
      }
      node = next;
    }
  }
  auto& slot = node->by_method[static_cast<std::size_t>(method)];
  if (slot) throw std::invalid_argument("duplicate route " + std::string(pattern));
  routes_.push_back(std::make_unique<Route>(
      Route{method, std::string(pattern), routes_.size(), std::move(handler),
            options.max_body.value_or(default_max_body_), std::move(options.body_sink)}));
  slot = routes_.back().get();
}

std::vector<std::string> Router::route_names() const {
  std::vector<std::string> names;
  for (const auto& route : routes_)
    names.push_back(std::string(method_name(route->method)) + " " + route->pattern);
  return names;
}

void Router::use(Middleware middleware) {
  middleware_.push_back(std::move(middleware));
}

void Router::fallback(Handler handler) {
  fallback_ = std::move(handler);
}

void Router::group(RouteGroup group) {
  if (!group.prefix.starts_with('/') || group.prefix.ends_with('/'))
    throw std::invalid_argument("group prefix must look like /api");
  groups_.push_back(std::make_unique<RouteGroup>(std::move(group)));
}

Match Router::match(Request& req) const {
  Match m;
  m.max_body = default_max_body_;
  req.params.clear();
  for (const auto& g : groups_) {
    if (path_under(req.path, g->prefix) && (!m.group || g->prefix.size() > m.group->prefix.size()))
      m.group = g.get();
  }

  thread_local std::vector<std::string_view> segments;
  if (!split_path(req.path, segments)) return m;

  // Raw (still %-encoded) parameter values, decoded once a route is found.
  thread_local std::vector<std::pair<std::string_view, std::string_view>> raw;
  raw.clear();
  std::string_view path = req.path;

  // Depth-first, literals before :params before *rest, so "/posts/new" beats
  // "/posts/:id" and backtracking finds "/posts/:id/like" either way.
  auto walk = [&](auto& self, const Node* node, std::size_t i) -> const Node* {
    if (i == segments.size()) return node->has_routes() ? node : nullptr;
    for (const auto& [lit, child] : node->literals)
      if (lit == segments[i])
        if (const Node* found = self(self, child.get(), i + 1)) return found;
    if (node->param && !segments[i].empty()) {
      raw.emplace_back(node->param_name, segments[i]);
      if (const Node* found = self(self, node->param.get(), i + 1)) return found;
      raw.pop_back();
    }
    if (node->rest && node->rest->has_routes()) {
      std::size_t offset = static_cast<std::size_t>(segments[i].data() - path.data());
      raw.emplace_back(node->rest_name, path.substr(offset));
      return node->rest.get();
    }
    return nullptr;
  };
  const Node* node = walk(walk, root_.get(), 0);
  if (!node) return m;

  std::size_t idx = static_cast<std::size_t>(req.method);
  const Route* route = idx < kMethods ? node->by_method[idx] : nullptr;
  if (!route && req.method == Method::head)
    route = node->by_method[static_cast<std::size_t>(Method::get)];
  if (!route) {
    for (std::size_t i = 0; i < kMethods; ++i) {
      if (!node->by_method[i]) continue;
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += method_name(static_cast<Method>(i));
      if (static_cast<Method>(i) == Method::get && !node->by_method[1]) m.allow += ", HEAD";
    }
    return m;
  }
  for (const auto& [name, value] : raw) {
    auto decoded = percent_decode(value);
    if (!decoded) {
      m.bad_path = true;
      return m;
    }
    req.params.emplace_back(name, std::move(*decoded));
  }
  m.route = route;
  m.max_body = route->max_body;
  return m;
}

asio::awaitable<void> Next::operator()() const {
  return router_.run_chain(req_, res_, match_, index_);
}

asio::awaitable<void> Router::dispatch(Request& req, Response& res, const Match& match) const {
  if (middleware_.empty()) return run_route(req, res, match);
  return run_chain(req, res, match, 0);
}

asio::awaitable<void> Router::run_chain(Request& req, Response& res, const Match& match,
                                        std::size_t index) const {
  if (index < middleware_.size())
    co_await middleware_[index](req, res, Next(*this, match, req, res, index + 1));
  else
    co_await run_route(req, res, match);
}

asio::awaitable<void> Router::run_route(Request& req, Response& res, const Match& match) const {
  if (match.route) return match.route->handler(req, res);
  if (match.bad_path) throw HttpError(400, "bad_path", "malformed %-escape in path");
  if (!match.allow.empty())
    throw HttpError(405, "method_not_allowed", "method not allowed here")
        .with_header("Allow", match.allow);
  if (fallback_ && (req.method == Method::get || req.method == Method::head))
    return fallback_(req, res);
  throw HttpError(404, "not_found", "no such resource");
}

}  // namespace tern::http
