// Comments on posts and replies to comments. A comment on a post that does not
// exist (or was just deleted) is refused by the foreign key: std::nullopt,
// which the handler answers with 404.
#pragma once

#include <asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/pg_pool.hpp"
#include "db/posts.hpp"

namespace tern::db::comments {

asio::awaitable<std::optional<Comment>> add(PgPool& pool, std::int64_t post_id,
                                            std::int64_t user_id, std::string content);
struct CommentPage {
  std::vector<Comment> comments;     // oldest first, each with its first replies
  std::optional<std::int64_t> next;  // `after` cursor of the following page
};

// The comments of a post after the comment id `after` (0: from the first);
// std::nullopt when the post does not exist.
asio::awaitable<std::optional<CommentPage>> page(PgPool& pool, std::int64_t post_id,
                                                 std::int64_t after, int limit);

asio::awaitable<std::optional<Reply>> reply(PgPool& pool, std::int64_t comment_id,
                                            std::int64_t user_id, std::string content);

}  // namespace tern::db::comments
