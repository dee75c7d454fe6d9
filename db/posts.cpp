#include "db/posts.hpp"

#include <asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace tern::db::posts {

namespace {

using namespace asio::experimental::awaitable_operators;

// $1 is the viewer; the page queries add $2 before (exclusive) and $3 limit.
// Columns as read by post_from(). Hashtags are lower-cased by PostgreSQL's
// lower(), the same function the schema's CHECK uses.
#define TERN_POST_COLUMNS                                                                \
  "SELECT p.id, p.content, rfc3339(p.created_at), u.id, u.nick, '/uploads/' || i.path, " \
  "CASE WHEN i.thumb_state = 'ready' THEN '/uploads/' || i.thumb_path END, "             \
  "(SELECT count(*) FROM likes l WHERE l.post_id = p.id), "                              \
  "EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id AND l.user_id = $1), "           \
  "(SELECT count(*) FROM comments c WHERE c.post_id = p.id) "                            \
  "FROM posts p JOIN users u ON u.id = p.user_id LEFT JOIN images i ON i.id = p.image_id "

const Statement kLatest{"posts_latest",
                        TERN_POST_COLUMNS "WHERE p.id < $2 ORDER BY p.id DESC LIMIT $3"};
// The posts of the people $1 follows and $1's own: two plans, one chosen per
// reader by a one-time filter on their follow count, so that no reader pays
// the other plan's worst case (docs/ARCHITECTURE.md shows both EXPLAINs).
//   * Up to kFollowingMerge follows: per followed author, the newest posts
//     below the cursor from posts_user_id_id_idx (LATERAL), then the top of
//     their union — work bounded by follows x limit, whatever the density.
//   * Beyond: walk the primary key backwards and keep a post when its author
//     is in a hash of the followed ids — the work is the posts passed over
//     to fill a page, which shrinks as follows (hence density) grow.
// The walk alone costs a full scan for someone following a few quiet users;
// the merge alone grows with follows. Together: flat.
#define TERN_FOLLOWING_IDS                                                                        \
  "WITH n AS MATERIALIZED (SELECT count(*) AS c FROM follows WHERE follower_id = $1), "           \
  "ids AS ((SELECT x.id FROM (SELECT following_id AS uid FROM follows WHERE follower_id = $1 "    \
  "                           UNION ALL SELECT $1) a "                                            \
  "  CROSS JOIN LATERAL (SELECT id FROM posts WHERE user_id = a.uid AND id < $2 "                 \
  "                      ORDER BY id DESC LIMIT $3) x "                                           \
  "  WHERE (SELECT c FROM n) <= 256 ORDER BY x.id DESC LIMIT $3) "                                \
  " UNION ALL "                                                                                   \
  " (SELECT p.id FROM posts p WHERE (SELECT c FROM n) > 256 AND p.id < $2 AND "                   \
  "  (p.user_id = $1 OR p.user_id IN (SELECT following_id FROM follows WHERE follower_id = $1)) " \
  "  ORDER BY p.id DESC LIMIT $3)) "
const Statement kFollowing{"posts_following", TERN_FOLLOWING_IDS TERN_POST_COLUMNS
                           "WHERE p.id IN (SELECT id FROM ids) ORDER BY p.id DESC LIMIT $3"};
#undef TERN_FOLLOWING_IDS
const Statement kByUser{"posts_by_user", TERN_POST_COLUMNS
                        "WHERE p.user_id = $4 AND p.id < $2 ORDER BY p.id DESC LIMIT $3"};
const Statement kByHashtag{"posts_by_hashtag", TERN_POST_COLUMNS
                           "JOIN post_hashtags ph ON ph.post_id = p.id "
                           "JOIN hashtags h ON h.id = ph.hashtag_id "
                           "WHERE h.title = lower($4) AND p.id < $2 ORDER BY p.id DESC LIMIT $3"};
const Statement kOne{"posts_one", TERN_POST_COLUMNS "WHERE p.id = $2"};
#undef TERN_POST_COLUMNS

const Statement kTags{"posts_tags",
                      "SELECT ph.post_id, h.title FROM post_hashtags ph "
                      "JOIN hashtags h ON h.id = ph.hashtag_id "
                      "WHERE ph.post_id = ANY($1::int8[]) ORDER BY ph.post_id, h.title"};
// A post carries its first kEmbedded comments, each with its first kEmbedded
// replies (API.md); the counts tell the client to page the rest. Each LATERAL
// reads its parent's (parent_id, id) index in order and stops at the limit.
#define TERN_FIRST_COMMENTS                                   \
  "FROM unnest($1::int8[]) AS parent(id) CROSS JOIN LATERAL " \
  "(SELECT * FROM comments WHERE post_id = parent.id ORDER BY id LIMIT 20) c "
const Statement kComments{
    "posts_comments",
    "SELECT c.id, c.post_id, c.content, rfc3339(c.created_at), u.id, u.nick, "
    "(SELECT count(*) FROM replies r WHERE r.comment_id = c.id) " TERN_FIRST_COMMENTS
    "JOIN users u ON u.id = c.user_id ORDER BY c.id"};
const Statement kReplies{
    "posts_replies",
    "SELECT r.id, r.comment_id, r.content, rfc3339(r.created_at), u.id, u.nick " TERN_FIRST_COMMENTS
    "CROSS JOIN LATERAL "
    "(SELECT * FROM replies WHERE comment_id = c.id ORDER BY id LIMIT 20) r "
    "JOIN users u ON u.id = r.user_id ORDER BY r.id"};
#undef TERN_FIRST_COMMENTS

// DO UPDATE (not DO NOTHING) so that RETURNING gives the ids of the tags that
// exist too; it locks those rows until the commit, so the tags go in sorted
// order — two posts sharing tags then lock them in the same order and wait
// for each other instead of deadlocking (bench/hashtags found that).
const Statement kCreate{
    "posts_create",
    "WITH p AS (INSERT INTO posts (user_id, content, image_id) VALUES ($1, $2, $3) RETURNING id), "
    "t AS (INSERT INTO hashtags (title) SELECT DISTINCT lower(x) FROM unnest($4::text[]) x "
    "      ORDER BY 1 ON CONFLICT (title) DO UPDATE SET title = EXCLUDED.title RETURNING id), "
    "l AS (INSERT INTO post_hashtags (post_id, hashtag_id) SELECT p.id, t.id FROM p, t) "
    "SELECT id FROM p"};
// The EXISTS sees the snapshot from before the DELETE: it tells "not yours"
// from "not there" in the same round trip.
const Statement kRemove{
    "posts_remove",
    "WITH d AS (DELETE FROM posts WHERE id = $1 AND user_id = $2 RETURNING id) "
    "SELECT (SELECT count(*) FROM d), EXISTS (SELECT 1 FROM posts WHERE id = $1)"};
const Statement kLike{
    "posts_like", "INSERT INTO likes (user_id, post_id) VALUES ($2, $1) ON CONFLICT DO NOTHING"};
const Statement kUnlike{"posts_unlike",
                        "WITH d AS (DELETE FROM likes WHERE post_id = $1 AND user_id = $2) "
                        "SELECT EXISTS (SELECT 1 FROM posts WHERE id = $1)"};

Post post_from(const Row& r) {
  Post p;
  p.id = r.get<std::int64_t>(0);
  p.content = r.get<std::string>(1);
  p.created_at = r.get<std::string>(2);
  p.user = {r.get<std::int64_t>(3), r.get<std::string>(4)};
  if (!r.is_null(5)) p.img = PostImage{r.get<std::string>(5), r.get<std::optional<std::string>>(6)};
  p.like_count = r.get<std::int64_t>(7);
  p.liked = r.get<bool>(8);
  p.comment_count = r.get<std::int64_t>(9);
  return p;
}

// Wave two: hashtags, comments and replies of every post on the page, as
// three pipelined queries awaited together.
asio::awaitable<void> load_details(PgPool& pool, std::vector<Post>& posts) {
  if (posts.empty()) co_return;
  std::vector<std::int64_t> ids;
  std::unordered_map<std::int64_t, std::size_t> index;
  for (std::size_t i = 0; i < posts.size(); ++i) {
    ids.push_back(posts[i].id);
    index.emplace(posts[i].id, i);
  }
  auto [tags, comments, replies] =
      co_await (pool.query(kTags, ids) && pool.query(kComments, ids) && pool.query(kReplies, ids));

  for (Row r : tags)
    posts[index.at(r.get<std::int64_t>(0))].hashtags.push_back(r.get<std::string>(1));

  std::unordered_map<std::int64_t, Comment*> by_id;
  for (Row r : comments) {
    Post& post = posts[index.at(r.get<std::int64_t>(1))];
    post.comments.push_back({r.get<std::int64_t>(0),
                             post.id,
                             r.get<std::string>(2),
                             r.get<std::string>(3),
                             {r.get<std::int64_t>(4), r.get<std::string>(5)},
                             r.get<std::int64_t>(6),
                             {}});
  }
  for (Post& p : posts)  // pointers only once no vector grows any more
    for (Comment& c : p.comments)
      by_id.emplace(c.id, &c);
  for (Row r : replies) {
    auto it = by_id.find(r.get<std::int64_t>(1));
    if (it == by_id.end()) continue;  // a comment added between the two waves
    it->second->replies.push_back({r.get<std::int64_t>(0),
                                   it->first,
                                   r.get<std::string>(2),
                                   r.get<std::string>(3),
                                   {r.get<std::int64_t>(4), r.get<std::string>(5)}});
  }
}

int limit_of(const PageQuery& q) {
  return std::clamp(q.limit, 1, 1000);
}

std::int64_t before_of(const PageQuery& q) {
  return q.before > 0 ? q.before : std::numeric_limits<std::int64_t>::max();
}

// Asks for one row more than the page holds: its presence is the `next`.
asio::awaitable<PostPage> page_from(PgPool& pool, PgResult rows, int limit) {
  PostPage page;
  for (Row r : rows)
    page.posts.push_back(post_from(r));
  if (static_cast<int>(page.posts.size()) > limit) {
    page.posts.resize(static_cast<std::size_t>(limit));
    page.next = page.posts.back().id;
  }
  co_await load_details(pool, page.posts);
  co_return page;
}

}  // namespace

asio::awaitable<Post> create(PgPool& pool, std::int64_t user_id, std::string content,
                             std::optional<std::int64_t> image_id,
                             std::vector<std::string> hashtags) {
  auto id = co_await insert(pool, user_id, std::move(content), image_id, std::move(hashtags));
  auto post = co_await find(pool, id, user_id);
  if (!post) throw PgError(PgError::Kind::other, "post vanished right after its creation");
  co_return std::move(*post);
}

asio::awaitable<std::int64_t> insert(PgPool& pool, std::int64_t user_id, std::string content,
                                     std::optional<std::int64_t> image_id,
                                     std::vector<std::string> hashtags) {
  auto r = co_await pool.query(kCreate, user_id, content, image_id, hashtags);
  co_return r.front().get<std::int64_t>(0);
}

asio::awaitable<std::optional<Post>> find(PgPool& pool, std::int64_t id, std::int64_t viewer) {
  auto rows = co_await pool.query(kOne, viewer, id);
  if (rows.empty()) co_return std::nullopt;
  std::vector<Post> one{post_from(rows.front())};
  co_await load_details(pool, one);
  co_return std::move(one.front());
}

asio::awaitable<Removal> remove(PgPool& pool, std::int64_t id, std::int64_t user_id) {
  auto r = co_await pool.query(kRemove, id, user_id);
  if (r.front().get<std::int64_t>(0) == 1) co_return Removal::deleted;
  co_return r.front().get<bool>(1) ? Removal::forbidden : Removal::not_found;
}

asio::awaitable<bool> like(PgPool& pool, std::int64_t post_id, std::int64_t user_id) {
  try {
    co_await pool.query(kLike, post_id, user_id);
  } catch (const PgError& e) {
    if (e.kind() == PgError::Kind::foreign_key_violation) co_return false;
    throw;
  }
  co_return true;
}

asio::awaitable<bool> unlike(PgPool& pool, std::int64_t post_id, std::int64_t user_id) {
  auto r = co_await pool.query(kUnlike, post_id, user_id);
  co_return r.front().get<bool>(0);
}

asio::awaitable<PostPage> latest(PgPool& pool, PageQuery q) {
  auto rows = co_await pool.query(kLatest, q.viewer, before_of(q), limit_of(q) + 1);
  co_return co_await page_from(pool, std::move(rows), limit_of(q));
}

asio::awaitable<PostPage> following(PgPool& pool, PageQuery q) {
  auto rows = co_await pool.query(kFollowing, q.viewer, before_of(q), limit_of(q) + 1);
  co_return co_await page_from(pool, std::move(rows), limit_of(q));
}

asio::awaitable<PostPage> by_user(PgPool& pool, std::int64_t user_id, PageQuery q) {
  auto rows = co_await pool.query(kByUser, q.viewer, before_of(q), limit_of(q) + 1, user_id);
  co_return co_await page_from(pool, std::move(rows), limit_of(q));
}

asio::awaitable<PostPage> by_hashtag(PgPool& pool, std::string tag, PageQuery q) {
  auto rows = co_await pool.query(kByHashtag, q.viewer, before_of(q), limit_of(q) + 1, tag);
  co_return co_await page_from(pool, std::move(rows), limit_of(q));
}

}  // namespace tern::db::posts
