#include "db/comments.hpp"

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
  co_return Comment{
      row.get<std::int64_t>(0),           post_id, row.get<std::string>(1), row.get<std::string>(2),
      {user_id, row.get<std::string>(3)}, {}};
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
