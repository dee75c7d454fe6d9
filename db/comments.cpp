#include "db/comments.hpp"

#include <asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <unordered_map>

namespace tern::db::comments {

namespace {

const Statement kAdd{"comments_add",
                     "WITH c AS (INSERT INTO comments (post_id, user_id, content) "
                     "           VALUES ($1, $2, $3) RETURNING id, content, created_at) "
                     "SELECT c.id, c.content, rfc3339(c.created_at), u.nick "
                     "FROM c JOIN users u ON u.id = $2"};
const Statement kReply{"comments_reply",
                       "WITH r AS (INSERT INTO replies (comment_id, user_id, content) "
                       "           VALUES ($1, $2, $3) RETURNING id, content, created_at) "
                       "SELECT r.id, r.content, rfc3339(r.created_at), u.nick "
                       "FROM r JOIN users u ON u.id = $2"};

// A page of comments and, in the same pipelined burst, the first replies of
// each and whether the post exists: one round trip.
#define TERN_COMMENT_WINDOW \
  "(SELECT * FROM comments WHERE post_id = $1 AND id > $2 ORDER BY id LIMIT $3) c "
const Statement kPage{"comments_page",
                      "SELECT c.id, c.content, rfc3339(c.created_at), u.id, u.nick, "
                      "(SELECT count(*) FROM replies r WHERE r.comment_id = c.id) "
                      "FROM " TERN_COMMENT_WINDOW "JOIN users u ON u.id = c.user_id ORDER BY c.id"};
const Statement kPageReplies{
    "comments_page_replies",
    "SELECT r.id, r.comment_id, r.content, rfc3339(r.created_at), u.id, u.nick "
    "FROM " TERN_COMMENT_WINDOW
    "CROSS JOIN LATERAL "
    "(SELECT * FROM replies WHERE comment_id = c.id ORDER BY id LIMIT 20) r "
    "JOIN users u ON u.id = r.user_id ORDER BY r.id"};
#undef TERN_COMMENT_WINDOW
const Statement kPostExists{"comments_post_exists",
                            "SELECT EXISTS (SELECT 1 FROM posts WHERE id = $1)"};

// Runs an insert whose only expected failure is a missing parent row.
asio::awaitable<std::optional<PgResult>> insert_child(PgPool& pool, const Statement& statement,
                                                      std::int64_t parent, std::int64_t user_id,
                                                      const std::string& content) {
  try {
    auto r = co_await pool.query(statement, parent, user_id, content);
    if (r.empty()) co_return std::nullopt;  // the user row is gone
    co_return std::move(r);
  } catch (const PgError& e) {
    if (e.kind() == PgError::Kind::foreign_key_violation) co_return std::nullopt;
    throw;
  }
}

}  // namespace

asio::awaitable<std::optional<Comment>> add(PgPool& pool, std::int64_t post_id,
                                            std::int64_t user_id, std::string content) {
  auto r = co_await insert_child(pool, kAdd, post_id, user_id, content);
  if (!r) co_return std::nullopt;
  Row row = r->front();
  co_return Comment{row.get<std::int64_t>(0),
                    post_id,
                    row.get<std::string>(1),
                    row.get<std::string>(2),
                    {user_id, row.get<std::string>(3)},
                    0,
                    {}};
}

asio::awaitable<std::optional<CommentPage>> page(PgPool& pool, std::int64_t post_id,
                                                 std::int64_t after, int limit) {
  using namespace asio::experimental::awaitable_operators;
  limit = std::clamp(limit, 1, 1000);
  int window = limit + 1;  // one more than the page: its presence is the `next`
  auto [rows, replies, exists] = co_await (pool.query(kPage, post_id, after, window) &&
                                           pool.query(kPageReplies, post_id, after, window) &&
                                           pool.query(kPostExists, post_id));
  if (!exists.front().get<bool>(0)) co_return std::nullopt;
  CommentPage out;
  for (Row r : rows)
    out.comments.push_back({r.get<std::int64_t>(0),
                            post_id,
                            r.get<std::string>(1),
                            r.get<std::string>(2),
                            {r.get<std::int64_t>(3), r.get<std::string>(4)},
                            r.get<std::int64_t>(5),
                            {}});
  if (static_cast<int>(out.comments.size()) > limit) {
    out.comments.resize(static_cast<std::size_t>(limit));
    out.next = out.comments.back().id;
  }
  std::unordered_map<std::int64_t, Comment*> by_id;
  for (Comment& c : out.comments)
    by_id.emplace(c.id, &c);
  for (Row r : replies) {
    auto it = by_id.find(r.get<std::int64_t>(1));
    if (it == by_id.end()) continue;  // the extra row's replies
    it->second->replies.push_back({r.get<std::int64_t>(0),
                                   it->first,
                                   r.get<std::string>(2),
                                   r.get<std::string>(3),
                                   {r.get<std::int64_t>(4), r.get<std::string>(5)}});
  }
  co_return out;
}

asio::awaitable<std::optional<Reply>> reply(PgPool& pool, std::int64_t comment_id,
                                            std::int64_t user_id, std::string content) {
  auto r = co_await insert_child(pool, kReply, comment_id, user_id, content);
  if (!r) co_return std::nullopt;
  Row row = r->front();
  co_return Reply{row.get<std::int64_t>(0),
                  comment_id,
                  row.get<std::string>(1),
                  row.get<std::string>(2),
                  {user_id, row.get<std::string>(3)}};
}

}  // namespace tern::db::comments
