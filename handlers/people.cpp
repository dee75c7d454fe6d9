#include "handlers/people.hpp"

#include <charconv>

#include "db/pg_error.hpp"
#include "db/users.hpp"
#include "handlers/auth.hpp"
#include "handlers/input.hpp"
#include "handlers/loop_services.hpp"
#include "handlers/post_json.hpp"
#include "http/error.hpp"

namespace tern::handlers {

using http::HttpError;
using http::Request;
using http::Response;

namespace {

constexpr int kUsersPerPage = 50, kMaxUsersPerPage = 100;

[[noreturn]] void no_user() {
  throw HttpError(404, "user_not_found", "no such user");
}

// The list cursor is "<micros>.<user id>", as the previous page's `next` gave it.
db::FollowCursor follow_cursor(Request& req) {
  auto text = http::find_param(req.query_params(), "before");
  if (!text) return {};
  db::FollowCursor c;
  auto dot = text->find('.');
  auto part = [](std::string_view s, std::int64_t& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty() && s.size() <= 18 &&
           s.front() != '-' && s.front() != '+' && out > 0;
  };
  if (dot == std::string_view::npos || !part(text->substr(0, dot), c.micros) ||
      !part(text->substr(dot + 1), c.user_id))
    throw HttpError(400, "invalid_cursor", "before must be a `next` of the previous page");
  return c;
}

void write_user_page(std::string& body, const db::UserPage& page) {
  JsonWriter w(body);
  w.begin_object().key("users").begin_array();
  for (const auto& u : page.users)
    write_user_ref(w, u);
  w.end_array().key("next");
  if (page.next)
    w.value(std::to_string(page.next->micros) + "." + std::to_string(page.next->user_id));
  else
    w.null();
  w.end_object();
}

using ListQuery = asio::awaitable<db::UserPage> (*)(db::PgPool&, std::int64_t, db::FollowCursor,
                                                    int);

http::Handler list_of(ListQuery query) {
  return [query](Request& req, Response& res) -> asio::awaitable<void> {
    auto id = path_id(req, "id");
    auto before = follow_cursor(req);
    auto limit = page_limit(req, kUsersPerPage, kMaxUsersPerPage);
    auto& pg = services_of(req).pg();
    auto page = co_await query(pg, id, before, limit);
    if (page.users.empty() && !co_await db::users::find(pg, id)) no_user();
    std::string body;
    write_user_page(body, page);
    res.json(200, std::move(body));
  };
}

}  // namespace

void add_people_routes(http::Router& router) {
  router.post("/api/users/:id/follow", [](Request& req, Response& res) -> asio::awaitable<void> {
    auto me = require_signed_in(req);
    auto id = path_id(req, "id");
    if (id == me) throw HttpError(400, "cannot_follow_self", "you cannot follow yourself");
    try {
      co_await db::users::follow(services_of(req).pg(), me, id);
    } catch (const db::PgError& e) {
      if (e.kind() == db::PgError::Kind::foreign_key_violation) no_user();
      throw;
    }
    res.no_content();
  });
  router.del("/api/users/:id/follow", [](Request& req, Response& res) -> asio::awaitable<void> {
    auto me = require_signed_in(req);
    auto id = path_id(req, "id");
    if (id == me) throw HttpError(400, "cannot_follow_self", "you cannot follow yourself");
    if (!co_await db::users::unfollow(services_of(req).pg(), me, id)) no_user();
    res.no_content();
  });
  router.get("/api/users/:id", [](Request& req, Response& res) -> asio::awaitable<void> {
    auto id = path_id(req, "id");
    auto profile = co_await db::users::profile(services_of(req).pg(), id, req.identity.user_id);
    if (!profile) no_user();
    std::string body;
    JsonWriter w(body);
    w.begin_object()
        .field("id", profile->user.id)
        .field("nick", profile->user.nick)
        .field("followerCount", profile->follower_count)
        .field("followingCount", profile->following_count)
        .field("followedByMe", profile->followed_by_me)
        .field("postCount", profile->post_count)
        .end_object();
    res.json(200, std::move(body));
  });
  router.get("/api/users/:id/followers", list_of(&db::users::followers));
  router.get("/api/users/:id/followings", list_of(&db::users::followings));
}

}  // namespace tern::handlers
