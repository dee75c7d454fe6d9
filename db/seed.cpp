#include "db/seed.hpp"

#include <libpq-fe.h>

#include <memory>

#include <stdexcept>
#include "db/pg_handles.hpp"

namespace tern::db {

namespace {

using Conn = BlockingConn;
using Result = BlockingResult;

// The batch, in order. Options arrive as session settings (seed.users, …)
// read with current_setting(), so the script is plain SQL with no string
// building; temporary tables map a batch position (n, from 1) to its id.
constexpr const char* kScript[] = {
    "SET LOCAL max_parallel_workers_per_gather = 0",
    "SELECT setseed(current_setting('seed.seed')::float8 / 4294967296.0)",
    "CREATE TEMP TABLE seed_users (n int PRIMARY KEY, id bigint) ON COMMIT DROP",
    "WITH ins AS (INSERT INTO users (email, nick, password_hash) "
    "  SELECT current_setting('seed.prefix') || i || '@seed.tern', 'user' || i, "
    "         current_setting('seed.hash') "
    "  FROM generate_series(1, current_setting('seed.users')::int) i RETURNING id) "
    "INSERT INTO seed_users SELECT row_number() OVER (ORDER BY id), id FROM ins",
    // 3 to 22 follows each, of users picked at random (duplicates dropped).
    "INSERT INTO follows (follower_id, following_id, created_at) "
    "SELECT a.id, b.id, now() - (a.n * 17 + k) * interval '1 minute' "
    "FROM seed_users a CROSS JOIN LATERAL generate_series(1, 3 + a.n % 20) k "
    "CROSS JOIN LATERAL (SELECT 1 + floor(random() * (SELECT count(*) FROM seed_users))::int "
    "                    + 0 * k AS pick) r "
    "JOIN seed_users b ON b.n = r.pick WHERE b.id <> a.id ON CONFLICT DO NOTHING",
    // Posts, oldest first, each by a random user, with 0 to 3 tags from 24.
    "CREATE TEMP TABLE seed_posts (n int PRIMARY KEY, id bigint) ON COMMIT DROP",
    "WITH words AS (SELECT ARRAY['coffee','node','express','asio','coroutines','latency', "
    "  'postgres','redis','sunrise','weekend','music','travel','books','garden','cats', "
    "  'running','pizza','rain','code','design','tea','mountains','sea','cpp'] AS w), "
    "raw AS (SELECT i, 1 + floor(random() * (SELECT count(*) FROM seed_users))::int AS pick, "
    "  floor(random() * 24)::int AS a, floor(random() * 24)::int AS b, "
    "  floor(random() * 24)::int AS c, floor(random() * 4)::int AS tags "
    "  FROM generate_series(1, current_setting('seed.posts')::int) i), "
    "ins AS (INSERT INTO posts (user_id, content, created_at) "
    "  SELECT u.id, 'Post ' || i || ' about ' || w[1 + a] || ' and ' || w[1 + b] || "
    "    CASE WHEN tags > 0 THEN ' #' || w[1 + a] ELSE '' END || "
    "    CASE WHEN tags > 1 THEN ' #' || w[1 + b] ELSE '' END || "
    "    CASE WHEN tags > 2 THEN ' #' || initcap(w[1 + c]) ELSE '' END, "
    "    now() - (current_setting('seed.posts')::int - i) * interval '10 seconds' "
    "  FROM raw JOIN seed_users u ON u.n = raw.pick, words ORDER BY i RETURNING id, content) "
    "INSERT INTO seed_posts SELECT row_number() OVER (ORDER BY id), id FROM ins",
    // Hashtags as the server finds them (the vocabulary is ASCII, so
    // PostgreSQL's lower() and the regex agree with core/hashtags).
    "CREATE TEMP TABLE seed_tags ON COMMIT DROP AS "
    "SELECT DISTINCT sp.id AS post_id, lower(m[1]) AS title FROM seed_posts sp "
    "JOIN posts p ON p.id = sp.id CROSS JOIN LATERAL regexp_matches(p.content, '#([^\\s#]+)', 'g') "
    "m",
    "INSERT INTO hashtags (title) SELECT DISTINCT title FROM seed_tags ORDER BY title "
    "ON CONFLICT DO NOTHING",
    "INSERT INTO post_hashtags (post_id, hashtag_id) SELECT t.post_id, h.id FROM seed_tags t "
    "JOIN hashtags h ON h.title = t.title ORDER BY 1, 2",
    // 0 to 5 likes a post, 0 to 2 comments, 0 or 1 reply to each comment.
    "INSERT INTO likes (post_id, user_id) "
    "SELECT sp.id, u.id FROM seed_posts sp CROSS JOIN LATERAL generate_series(1, sp.n % 6) k "
    "CROSS JOIN LATERAL (SELECT 1 + floor(random() * (SELECT count(*) FROM seed_users))::int "
    "                    + 0 * k AS pick) r "
    "JOIN seed_users u ON u.n = r.pick ORDER BY 1, 2 ON CONFLICT DO NOTHING",
    "CREATE TEMP TABLE seed_comments (n int PRIMARY KEY, id bigint) ON COMMIT DROP",
    "WITH ins AS (INSERT INTO comments (post_id, user_id, content) "
    "  SELECT sp.id, u.id, 'Comment ' || k || ' on post ' || sp.n "
    "  FROM seed_posts sp CROSS JOIN LATERAL generate_series(1, sp.n % 3) k "
    "  CROSS JOIN LATERAL (SELECT 1 + floor(random() * (SELECT count(*) FROM seed_users))::int "
    "                      + 0 * k AS pick) r "
    "  JOIN seed_users u ON u.n = r.pick ORDER BY sp.n, k RETURNING id) "
    "INSERT INTO seed_comments SELECT row_number() OVER (ORDER BY id), id FROM ins",
    "INSERT INTO replies (comment_id, user_id, content) "
    "SELECT sc.id, u.id, 'Reply to comment ' || sc.n FROM seed_comments sc "
    "CROSS JOIN LATERAL (SELECT 1 + floor(random() * (SELECT count(*) FROM seed_users))::int "
    "                    + 0 * sc.n AS pick) r "
    "JOIN seed_users u ON u.n = r.pick WHERE sc.n % 2 = 0 ORDER BY sc.n",
};

// Image rows for the files the caller made, owned by the authors of the
// newest posts that have none, one each.
constexpr const char* kImages =
    "WITH img AS (SELECT ordinality AS k, path, format, thumb "
    "  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS x(path, format, thumb)), "
    "target AS (SELECT row_number() OVER (ORDER BY sp.n DESC) AS k, sp.id, p.user_id "
    "  FROM seed_posts sp JOIN posts p ON p.id = sp.id WHERE sp.n % 3 = 0), "
    "ins AS (INSERT INTO images (user_id, path, format, thumb_state, thumb_path) "
    "  SELECT t.user_id, i.path, i.format, 'ready', i.thumb FROM img i JOIN target t ON t.k = i.k "
    "  RETURNING id, path) "
    "UPDATE posts p SET image_id = ins.id FROM ins, img i, target t "
    "WHERE ins.path = i.path AND t.k = i.k AND p.id = t.id";

constexpr const char* kCounts =
    "SELECT (SELECT count(*) FROM seed_users), "
    "(SELECT count(*) FROM follows f JOIN seed_users u ON u.id = f.follower_id), "
    "(SELECT count(*) FROM seed_posts), (SELECT count(DISTINCT title) FROM seed_tags), "
    "(SELECT count(*) FROM likes l JOIN seed_posts p ON p.id = l.post_id), "
    "(SELECT count(*) FROM seed_comments), "
    "(SELECT count(*) FROM replies r JOIN seed_comments c ON c.id = r.comment_id), "
    "(SELECT count(*) FROM seed_posts sp JOIN posts p ON p.id = sp.id WHERE p.image_id IS NOT "
    "NULL), "
    // The fingerprint: every seeded row by batch positions, not ids.
    "md5(concat_ws('|', "
    " (SELECT string_agg(a.n || '>' || b.n, ',' ORDER BY a.n, b.n) FROM follows f "
    "   JOIN seed_users a ON a.id = f.follower_id JOIN seed_users b ON b.id = f.following_id), "
    " (SELECT string_agg(sp.n || ':' || u.n || ':' || p.content, ',' ORDER BY sp.n) "
    "   FROM seed_posts sp JOIN posts p ON p.id = sp.id JOIN seed_users u ON u.id = p.user_id), "
    " (SELECT string_agg(sp.n || '<' || u.n, ',' ORDER BY sp.n, u.n) FROM likes l "
    "   JOIN seed_posts sp ON sp.id = l.post_id JOIN seed_users u ON u.id = l.user_id), "
    " (SELECT string_agg(sc.n || ':' || u.n, ',' ORDER BY sc.n) FROM seed_comments sc "
    "   JOIN comments c ON c.id = sc.id JOIN seed_users u ON u.id = c.user_id)))";

std::string message_of(PGconn* conn) {
  std::string m = PQerrorMessage(conn);
  while (!m.empty() && m.back() == '\n')
    m.pop_back();
  return m;
}

void run(PGconn* conn, const char* sql, int n = 0, const char* const* values = nullptr) {
  Result r(PQexecParams(conn, sql, n, nullptr, values, nullptr, nullptr, 0));
  auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw std::runtime_error(message_of(conn));
}

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace

SeedResult seed(const std::string& database_url, const SeedOptions& options) {
  const char* keys[] = {"dbname", "application_name", nullptr};
  const char* values[] = {database_url.c_str(), "tern seed", nullptr};
  Conn conn(PQconnectdbParams(keys, values, 1));
  if (PQstatus(conn.get()) != CONNECTION_OK) throw std::runtime_error(message_of(conn.get()));
  run(conn.get(), "BEGIN");
  const std::pair<const char*, std::string> settings[] = {
      {"seed.users", std::to_string(options.users)},
      {"seed.posts", std::to_string(options.posts)},
      {"seed.seed", std::to_string(options.seed)},
      {"seed.prefix", options.prefix},
      {"seed.hash", options.password_hash}};
  for (const auto& [name, value] : settings) {
    const char* params[] = {name, value.c_str()};
    run(conn.get(), "SELECT set_config($1, $2, true)", 2, params);
  }
  for (const char* step : kScript) {
    try {
      run(conn.get(), step);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string(e.what()) + " (in: " + std::string(step).substr(0, 60) +
                               "…)");
    }
  }
  if (!options.images.empty()) {
    std::vector<std::string> paths, formats, thumbs;
    for (const auto& i : options.images) {
      paths.push_back(i.path);
      formats.push_back(i.format);
      thumbs.push_back(i.thumb_path);
    }
    std::string a = text_array(paths), b = text_array(formats), c = text_array(thumbs);
    const char* params[] = {a.c_str(), b.c_str(), c.c_str()};
    run(conn.get(), kImages, 3, params);
  }
  Result counts(PQexec(conn.get(), kCounts));
  if (PQresultStatus(counts.get()) != PGRES_TUPLES_OK)
    throw std::runtime_error(message_of(conn.get()));
  auto at = [&](int col) { return std::stoll(PQgetvalue(counts.get(), 0, col)); };
  SeedResult result{
      at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), PQgetvalue(counts.get(), 0, 8)};
  run(conn.get(), "COMMIT");
  return result;
}

}  // namespace tern::db
