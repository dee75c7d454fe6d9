// Posts, their hashtags and likes, and the feed: the post aggregate's queries.
//
// A page of posts (the feed, a profile, a hashtag) is loaded in two waves,
// whatever its size: first the posts with their authors, image, like count
// and liked-by-me; then, in one pipelined burst, the hashtags, comments and
// replies of all of them (`= ANY($1)`). Four queries, two round trips — never
// one query per post.
#pragma once

#include <asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/pg_pool.hpp"
#include "db/removal.hpp"
#include "db/users.hpp"

namespace tern::db {

struct Reply {
  std::int64_t id = 0;
  std::int64_t comment_id = 0;
  std::string content;
  std::string created_at;
  UserRef user;
};

struct Comment {
  std::int64_t id = 0;
  std::int64_t post_id = 0;
  std::string content;
  std::string created_at;
  UserRef user;
  std::int64_t reply_count = 0;
  std::vector<Reply> replies;  // oldest first; the first kEmbedded
};

struct PostImage {
  std::string url;
  std::optional<std::string> thumb_url;  // null until the thumbnail exists
};

struct Post {
  std::int64_t id = 0;
  std::string content;
  std::string created_at;
  UserRef user;
  std::optional<PostImage> img;
  std::vector<std::string> hashtags;
  std::int64_t like_count = 0;
  bool liked = false;  // by the viewer
  std::int64_t comment_count = 0;
  std::vector<Comment> comments;  // oldest first; the first kEmbedded
};

struct PostPage {
  std::vector<Post> posts;           // newest first
  std::optional<std::int64_t> next;  // `before` cursor of the following page
};

struct PageQuery {
  std::int64_t before = 0;  // 0: from the newest
  int limit = 20;
  std::int64_t viewer = 0;  // 0: nobody signed in
};

namespace posts {

// How many comments a post carries, and replies a comment (API.md).
inline constexpr int kEmbedded = 20;

// `hashtags`: already lower-cased and de-duplicated. One statement, so the
// post and its tags appear together or not at all.
asio::awaitable<Post> create(PgPool& pool, std::int64_t user_id, std::string content,
                             std::optional<std::int64_t> image_id,
                             std::vector<std::string> hashtags);
// create() without reading the post back: the id. One round trip — the
// post, the tag upserts and the links are one statement (bench/hashtags
// measures it against NodeBird's one-upsert-per-tag).
asio::awaitable<std::int64_t> insert(PgPool& pool, std::int64_t user_id, std::string content,
                                     std::optional<std::int64_t> image_id,
                                     std::vector<std::string> hashtags);
asio::awaitable<std::optional<Post>> find(PgPool& pool, std::int64_t id, std::int64_t viewer);
asio::awaitable<Removal> remove(PgPool& pool, std::int64_t id, std::int64_t user_id);

// Idempotent; false when the post does not exist.
asio::awaitable<bool> like(PgPool& pool, std::int64_t post_id, std::int64_t user_id);
asio::awaitable<bool> unlike(PgPool& pool, std::int64_t post_id, std::int64_t user_id);

// Everyone's posts (GET /api/posts).
asio::awaitable<PostPage> latest(PgPool& pool, PageQuery page);
// The posts of whom page.viewer follows, and their own (GET /api/feed).
asio::awaitable<PostPage> following(PgPool& pool, PageQuery page);
asio::awaitable<PostPage> by_user(PgPool& pool, std::int64_t user_id, PageQuery page);
asio::awaitable<PostPage> by_hashtag(PgPool& pool, std::string tag, PageQuery page);

}  // namespace posts
}  // namespace tern::db
