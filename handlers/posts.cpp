#include "handlers/posts.hpp"

#include "core/hashtags.hpp"
#include "db/comments.hpp"
#include "db/images.hpp"
#include "db/pg_error.hpp"
#include "db/posts.hpp"
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

constexpr int kPostsPerPage = 20, kMaxPostsPerPage = 100;
constexpr int kCommentsPerPage = 50, kMaxCommentsPerPage = 100;
constexpr std::string_view kUploads = "/uploads/";

[[noreturn]] void no_post() {
  throw HttpError(404, "post_not_found", "no such post");
}

db::PageQuery page_of(Request& req) {
  return {.before = cursor(req, "before"),
          .limit = page_limit(req, kPostsPerPage, kMaxPostsPerPage),
          .viewer = req.identity.user_id};
}

// The image a new post names by the URL /api/images returned: it must be an
// upload of the author's own.
asio::awaitable<std::optional<std::int64_t>> image_of(Request& req, const std::string& url,
                                                      std::int64_t author) {
  if (url.empty()) co_return std::nullopt;
  auto bad = [] { return HttpError(400, "invalid_img", "img must be a URL from /api/images"); };
  if (!url.starts_with(kUploads) || url.size() > 200) throw bad();
  std::string path = url.substr(kUploads.size());
  auto image = co_await db::images::find_by_path(services_of(req).pg(), path);
  if (!image || image->user_id != author) throw bad();
  co_return image->id;
}

// Everything a content field's validation and hashtag rules refuse, as 400.
std::vector<std::string> hashtags_of(const std::string& content) {
  auto found = extract_hashtags(content);
  if (found.too_many)
    throw HttpError(400, "too_many_hashtags",
                    "a post carries at most " + std::to_string(kMaxHashtags) + " hashtags");
  if (found.too_long)
    throw HttpError(400, "hashtag_too_long",
                    "a hashtag is at most " + std::to_string(kMaxHashtagLength) + " characters");
  return std::move(found.tags);
}

asio::awaitable<void> create_post(Request& req, Response& res) {
  auto author = require_signed_in(req);
  auto fields = req.fields();
  auto content = text_field(fields, "content", 1, 140, "invalid_content");
  auto tags = hashtags_of(content);
  std::string img = field(fields, "img");
  auto image = co_await image_of(req, img, author);
  db::Post post;
  try {
    post = co_await db::posts::create(services_of(req).pg(), author, content, image, tags);
  } catch (const db::PgError& e) {
    // A tag PostgreSQL lower-cases longer than we do, or an author deleted
    // meanwhile: the input cannot be stored, not a server fault.
    if (e.kind() == db::PgError::Kind::check_violation ||
        e.kind() == db::PgError::Kind::foreign_key_violation)
      throw HttpError(400, "invalid_post", "the post cannot be stored");
    throw;
  }
  res.json(201, post_json(post));
}

asio::awaitable<void> add_comment(Request& req, Response& res) {
  auto user = require_signed_in(req);
  auto post = path_id(req, "id");
  auto fields = req.fields();
  auto content = text_field(fields, "content", 1, 500, "invalid_content");
  auto comment = co_await db::comments::add(services_of(req).pg(), post, user, content);
  if (!comment) no_post();
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("comment");
  write_comment(w, *comment);
  w.end_object();
  res.json(201, std::move(body));
}

asio::awaitable<void> add_reply(Request& req, Response& res) {
  auto user = require_signed_in(req);
  auto comment = path_id(req, "id");
  auto fields = req.fields();
  auto content = text_field(fields, "content", 1, 500, "invalid_content");
  auto reply = co_await db::comments::reply(services_of(req).pg(), comment, user, content);
  if (!reply) throw HttpError(404, "comment_not_found", "no such comment");
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("reply");
  write_reply(w, *reply);
  w.end_object();
  res.json(201, std::move(body));
}

asio::awaitable<void> list_comments(Request& req, Response& res) {
  auto post = path_id(req, "id");
  auto after = cursor(req, "after");
  auto limit = page_limit(req, kCommentsPerPage, kMaxCommentsPerPage);
  auto page = co_await db::comments::page(services_of(req).pg(), post, after, limit);
  if (!page) no_post();
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("comments").begin_array();
  for (const auto& c : page->comments)
    write_comment(w, c);
  w.end_array();
  write_next(w, page->next);
  w.end_object();
  res.json(200, std::move(body));
}

asio::awaitable<void> hashtag_posts(Request& req, Response& res) {
  auto tag = hashtag_param(req, "tag");
  auto q = page_of(req);
  auto page = co_await db::posts::by_hashtag(services_of(req).pg(), tag, q);
  res.json(200, post_page_json(page));
}

}  // namespace

void add_post_routes(http::Router& router) {
  router.post("/api/posts", create_post);
  router.get("/api/posts", [](Request& req, Response& res) -> asio::awaitable<void> {
    auto q = page_of(req);
    res.json(200, post_page_json(co_await db::posts::latest(services_of(req).pg(), q)));
  });
  router.get("/api/feed", [](Request& req, Response& res) -> asio::awaitable<void> {
    require_signed_in(req);
    auto q = page_of(req);
    res.json(200, post_page_json(co_await db::posts::following(services_of(req).pg(), q)));
  });
  router.get("/api/posts/:id", [](Request& req, Response& res) -> asio::awaitable<void> {
    auto id = path_id(req, "id");
    auto post = co_await db::posts::find(services_of(req).pg(), id, req.identity.user_id);
    if (!post) no_post();
    res.json(200, post_json(*post));
  });
  router.del("/api/posts/:id", [](Request& req, Response& res) -> asio::awaitable<void> {
    auto user = require_signed_in(req);
    auto id = path_id(req, "id");
    switch (co_await db::posts::remove(services_of(req).pg(), id, user)) {
      case db::Removal::deleted:
        res.no_content();
        co_return;
      case db::Removal::forbidden:
        throw HttpError(403, "not_author", "only the author can delete a post");
      case db::Removal::not_found:
        no_post();
    }
  });
  router.post("/api/posts/:id/like", [](Request& req, Response& res) -> asio::awaitable<void> {
    auto user = require_signed_in(req);
    auto id = path_id(req, "id");
    if (!co_await db::posts::like(services_of(req).pg(), id, user)) no_post();
    res.no_content();
  });
  router.del("/api/posts/:id/like", [](Request& req, Response& res) -> asio::awaitable<void> {
    auto user = require_signed_in(req);
    auto id = path_id(req, "id");
    if (!co_await db::posts::unlike(services_of(req).pg(), id, user)) no_post();
    res.no_content();
  });
  router.post("/api/posts/:id/comments", add_comment);
  router.get("/api/posts/:id/comments", list_comments);
  router.post("/api/comments/:id/replies", add_reply);
  router.get("/api/hashtags/:tag/posts", hashtag_posts);
  router.get("/api/users/:id/posts", [](Request& req, Response& res) -> asio::awaitable<void> {
    auto id = path_id(req, "id");
    auto q = page_of(req);
    auto page = co_await db::posts::by_user(services_of(req).pg(), id, q);
    // An empty page may be an unknown user: only then does it cost a lookup.
    if (page.posts.empty() && !co_await db::users::find(services_of(req).pg(), id))
      throw HttpError(404, "user_not_found", "no such user");
    res.json(200, post_page_json(page));
  });
}

}  // namespace tern::handlers
