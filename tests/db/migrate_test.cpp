// db::migrate against the real PostgreSQL of DATABASE_URL: a fresh database
// is brought up to date and every step recorded, a second run changes
// nothing, a failing migration leaves nothing behind and says which file and
// line, a database from a newer binary is left alone, concurrent migrators
// take turns; and the schema itself refuses what the contract forbids.
//
// Each case migrates a scratch database of its own (created empty on the
// same server, dropped afterwards), so nothing here disturbs tern_test, which
// the other data-layer tests share.
#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "db/migrate.hpp"
#include "tests/db/test_env.hpp"

using tern::db::migrate;
using tern::db::MigrateError;
using tern::db::Migration;

namespace {

struct ConnClose {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClear {
  void operator()(PGresult* r) const { PQclear(r); }
};

// A plain blocking connection, to look at what migrate() did.
class Db {
 public:
  explicit Db(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_.get()) != CONNECTION_OK)
      throw std::runtime_error("cannot connect to " + url + ": " + PQerrorMessage(conn_.get()));
    PQsetNoticeProcessor(
        conn_.get(), [](void*, const char*) {}, nullptr);  // "…skipping"
  }

  // The SQLSTATE `sql` fails with; "" when it succeeds.
  std::string sqlstate_of(const std::string& sql) {
    std::unique_ptr<PGresult, ResultClear> r(PQexec(conn_.get(), sql.c_str()));
    auto status = PQresultStatus(r.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return "";
    const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
    return state ? state : "?????";
  }

  // Runs `sql`, which must succeed; the first column of its first row, or "".
  std::string value(const std::string& sql) {
    std::unique_ptr<PGresult, ResultClear> r(PQexec(conn_.get(), sql.c_str()));
    auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
      throw std::runtime_error(sql + ": " + PQresultErrorMessage(r.get()));
    return PQntuples(r.get()) > 0 && PQnfields(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
  }

 private:
  std::unique_ptr<PGconn, ConnClose> conn_;
};

// DATABASE_URL with its database name replaced by `name`.
std::string url_of_database(const std::string& name) {
  std::string url = tern::test::test_database_url();
  auto authority = url.find("://");
  if (authority == std::string::npos)
    throw std::runtime_error("DATABASE_URL must be a postgresql:// URL, got " + url);
  auto path = url.find('/', authority + 3);
  auto query = url.find('?', authority + 3);
  if (path == std::string::npos || path > query) path = query;  // no database in the URL
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return url.substr(0, path) + "/" + name + rest;
}

// An empty database for one test case, dropped when the case ends.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& tag)
      : name_("tern_migrate_test_" + tag + "_" + std::to_string(::getpid())),
        url_(url_of_database(name_)) {
    Db admin(url_of_database("postgres"));
    admin.value("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    admin.value("CREATE DATABASE " + name_ + " TEMPLATE template0");
  }
  ~ScratchDatabase() {
    try {
      Db(url_of_database("postgres")).value("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
      // A leftover scratch database is dropped by the next run of the same case.
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

tern::db::MigrateResult migrate_quietly(const std::string& url,
                                        const std::vector<Migration>& migrations) {
  std::ostringstream log;
  return migrate(url, migrations, log);
}

// The message of the MigrateError that migrating `migrations` must throw.
std::string migrate_error(const std::string& url, const std::vector<Migration>& migrations) {
  try {
    migrate_quietly(url, migrations);
  } catch (const MigrateError& e) {
    return e.what();
  }
  FAIL("migrate() succeeded but should have failed");
  return {};
}

const Migration kFirst{1, "001_first.sql", "CREATE TABLE first (x int);"};
const Migration kSecond{2, "002_second.sql", "ALTER TABLE first ADD COLUMN y int;"};

}  // namespace

TEST_CASE("migrate: the embedded list is numbered from 001 and named after its files") {
  const auto& list = tern::db::embedded_migrations();
  REQUIRE(!list.empty());
  CHECK(list.front().name == "001_schema.sql");
  int previous = 0;
  for (const auto& m : list) {
    CAPTURE(m.name);
    CHECK(m.version == previous + 1);
    CHECK(std::stoi(m.name.substr(0, m.name.find('_'))) == m.version);
    CHECK(m.name.ends_with(".sql"));
    CHECK(contains(m.sql, ";"));
    previous = m.version;
  }
}

TEST_CASE("migrate: a fresh database gets every migration, each one recorded") {
  ScratchDatabase scratch("fresh");
  const auto& list = tern::db::embedded_migrations();
  std::ostringstream log;
  auto result = migrate(scratch.url(), log);

  CHECK(result.version_before == 0);
  CHECK(result.version_after == list.back().version);
  CHECK(result.applied.size() == list.size());
  CHECK(contains(log.str(), "applied 001_schema.sql"));

  Db db(scratch.url());
  std::string expected;
  for (const auto& m : list)
    expected += (expected.empty() ? "" : ",") + m.name;
  CHECK(db.value("SELECT string_agg(name, ',' ORDER BY version) FROM schema_migrations") ==
        expected);
  for (const char* table :
       {"users", "images", "posts", "hashtags", "post_hashtags", "follows", "likes", "comments",
        "replies", "domains", "refresh_tokens", "user_sessions"}) {
    CAPTURE(table);
    CHECK(db.value(std::string("SELECT to_regclass('") + table + "') IS NOT NULL") == "t");
  }
}

TEST_CASE("migrate: running it again changes nothing") {
  ScratchDatabase scratch("again");
  migrate_quietly(scratch.url(), tern::db::embedded_migrations());
  Db db(scratch.url());
  std::string before = db.value("SELECT count(*) || ' ' || max(applied_at) FROM schema_migrations");

  auto result = migrate_quietly(scratch.url(), tern::db::embedded_migrations());
  CHECK(result.applied.empty());
  CHECK(result.version_before == result.version_after);
  CHECK(result.version_after == tern::db::embedded_migrations().back().version);
  CHECK(db.value("SELECT count(*) || ' ' || max(applied_at) FROM schema_migrations") == before);
}

TEST_CASE("migrate: a failing migration leaves nothing behind and names its file and line") {
  ScratchDatabase scratch("failing");
  const Migration broken{2, "002_broken.sql",
                         "CREATE TABLE half (x int);\n"
                         "INSERT INTO first VALUES (1);\n"
                         "SELEKT 1;\n"};
  std::string message = migrate_error(scratch.url(), {kFirst, broken});
  CAPTURE(message);
  CHECK(contains(message, "002_broken.sql: line 3: syntax error at or near \"SELEKT\""));
  CHECK(contains(message, "SQLSTATE 42601"));
  CHECK(contains(message, "stays at version 1"));

  Db db(scratch.url());
  CHECK(db.value("SELECT string_agg(version::text, ',') FROM schema_migrations") == "1");
  CHECK(db.value("SELECT to_regclass('half') IS NULL") == "t");
  CHECK(db.value("SELECT count(*) FROM first") == "0");

  // An error at run time rather than parse time is reported the same way.
  const Migration missing{2, "002_missing.sql", "CREATE TABLE half (x int);\nDROP TABLE nope;"};
  message = migrate_error(scratch.url(), {kFirst, missing});
  CHECK(contains(message, "002_missing.sql: table \"nope\" does not exist (SQLSTATE 42P01)"));
  CHECK(db.value("SELECT to_regclass('half') IS NULL") == "t");

  // Once fixed, the same version applies.
  auto result = migrate_quietly(scratch.url(), {kFirst, kSecond});
  CHECK(result.applied == std::vector<std::string>{"002_second.sql"});
}

TEST_CASE("migrate: a database from a newer binary, or another history, is left alone") {
  ScratchDatabase scratch("newer");
  migrate_quietly(scratch.url(), {kFirst, kSecond});
  Db db(scratch.url());

  std::string message = migrate_error(scratch.url(), {kFirst});
  CAPTURE(message);
  CHECK(contains(message, "the database is at version 2 (002_second.sql), newer than this binary"));

  message = migrate_error(scratch.url(), {kFirst, {2, "002_other.sql", "SELECT 1;"}});
  CHECK(contains(message, "version 2 is 002_second.sql in the database but 002_other.sql"));

  message = migrate_error(scratch.url(), {{1, "001_other.sql", "SELECT 1;"}, kSecond});
  CHECK(contains(message, "version 1 is 001_first.sql in the database"));

  CHECK(db.value("SELECT string_agg(name, ',' ORDER BY version) FROM schema_migrations") ==
        "001_first.sql,002_second.sql");
}

TEST_CASE("migrate: a migration may not end its own transaction") {
  ScratchDatabase scratch("commit");
  std::string message =
      migrate_error(scratch.url(), {{1, "001_commits.sql", "CREATE TABLE t (x int); COMMIT;"}});
  CAPTURE(message);
  CHECK(contains(message, "001_commits.sql: the file ends the transaction itself"));
  CHECK(Db(scratch.url()).value("SELECT count(*) FROM schema_migrations") == "0");
}

TEST_CASE("migrate: concurrent migrators take turns and apply each migration once") {
  ScratchDatabase scratch("concurrent");
  const auto& list = tern::db::embedded_migrations();
  constexpr int kMigrators = 4;
  std::vector<std::size_t> applied(kMigrators);
  std::vector<std::string> errors(kMigrators);
  std::vector<std::thread> threads;
  for (int i = 0; i < kMigrators; ++i)
    threads.emplace_back([&, i] {
      try {
        applied[i] = migrate_quietly(scratch.url(), list).applied.size();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : threads)
    t.join();

  std::size_t total = 0;
  for (int i = 0; i < kMigrators; ++i) {
    CHECK(errors[i] == "");
    total += applied[i];
  }
  CHECK(total == list.size());
  CHECK(Db(scratch.url()).value("SELECT count(*) FROM schema_migrations") ==
        std::to_string(list.size()));
}

TEST_CASE("migrate: the schema refuses what the contract forbids") {
  ScratchDatabase scratch("rules");
  migrate_quietly(scratch.url(), tern::db::embedded_migrations());
  Db db(scratch.url());
  auto user = [&](const std::string& email, const std::string& nick) {
    return db.value("INSERT INTO users (email, nick, password_hash) VALUES ('" + email + "', '" +
                    nick + "', 'hash') RETURNING id");
  };
  std::string ann = user("Ann@example.com", "ann");
  std::string bob = user("bob@example.com", "bob");

  // Emails are unique whatever their case; nick is 1-15 characters.
  CHECK(db.sqlstate_of("INSERT INTO users (email, nick, password_hash) "
                       "VALUES ('ann@EXAMPLE.com', 'ann2', 'h')") == "23505");
  CHECK(db.sqlstate_of("INSERT INTO users (email, nick, password_hash) "
                       "VALUES ('c@example.com', repeat('n', 16), 'h')") == "23514");

  // Hashtags: lower-case, unique, at most 50 characters.
  CHECK(db.sqlstate_of("INSERT INTO hashtags (title) VALUES ('Tern')") == "23514");
  CHECK(db.sqlstate_of("INSERT INTO hashtags (title) VALUES ('tern')") == "");
  CHECK(db.sqlstate_of("INSERT INTO hashtags (title) VALUES ('tern')") == "23505");
  CHECK(db.sqlstate_of("INSERT INTO hashtags (title) VALUES (repeat('t', 51))") == "23514");

  // Nobody follows themselves.
  CHECK(db.sqlstate_of("INSERT INTO follows VALUES (" + ann + ", " + ann + ")") == "23514");
  CHECK(db.sqlstate_of("INSERT INTO follows VALUES (" + ann + ", " + bob + ")") == "");

  // Posts are 1-140 characters (code points, not bytes), comments and replies 1-500.
  auto post = [&](const std::string& content) {
    return db.sqlstate_of("INSERT INTO posts (user_id, content) VALUES (" + ann + ", " + content +
                          ")");
  };
  CHECK(post("repeat('é', 140)") == "");
  CHECK(post("repeat('x', 141)") == "23514");
  CHECK(post("''") == "23514");
  std::string post_id = db.value("SELECT max(id) FROM posts");
  CHECK(db.sqlstate_of("INSERT INTO comments (post_id, user_id, content) VALUES (" + post_id +
                       ", " + bob + ", repeat('x', 501))") == "23514");
  std::string comment = db.value("INSERT INTO comments (post_id, user_id, content) VALUES (" +
                                 post_id + ", " + bob + ", 'hi') RETURNING id");
  CHECK(db.sqlstate_of("INSERT INTO replies (comment_id, user_id, content) VALUES (" + comment +
                       ", " + ann + ", repeat('x', 501))") == "23514");

  // The rest of the closed vocabularies.
  CHECK(db.sqlstate_of("INSERT INTO domains (user_id, host, type, client_secret) VALUES (" + ann +
                       ", 'example.com', 'gold', 's1')") == "23514");
  CHECK(db.sqlstate_of("INSERT INTO domains (user_id, host, type, client_secret) VALUES (" + ann +
                       ", 'Example.com', 'free', 's2')") == "23514");
  CHECK(db.sqlstate_of("INSERT INTO images (user_id, path, format, thumb_state) VALUES (" + ann +
                       ", 'a.jpg', 'jpeg', 'ready')") == "23514");
  CHECK(db.sqlstate_of("INSERT INTO images (user_id, path, format) VALUES (" + ann +
                       ", 'a.bmp', 'bmp')") == "23514");
  std::string domain =
      db.value("INSERT INTO domains (user_id, host, type, client_secret) VALUES (" + ann +
               ", 'example.com:8080', 'free', 's3') RETURNING id");
  CHECK(db.sqlstate_of("INSERT INTO refresh_tokens (user_id, domain_id, token_hash, expires_at) "
                       "VALUES (" +
                       ann + ", " + domain + ", 'not a digest', now())") == "23514");
}

TEST_CASE("migrate: deleting a post takes its likes, tags, comments and replies with it") {
  ScratchDatabase scratch("cascade");
  migrate_quietly(scratch.url(), tern::db::embedded_migrations());
  Db db(scratch.url());
  std::string ann = db.value(
      "INSERT INTO users (email, nick, password_hash) VALUES ('a@x.io', 'ann', 'h') RETURNING id");
  std::string image = db.value("INSERT INTO images (user_id, path, format) VALUES (" + ann +
                               ", 'i.png', 'png') RETURNING id");
  std::string post = db.value("INSERT INTO posts (user_id, content, image_id) VALUES (" + ann +
                              ", 'hello #tern', " + image + ") RETURNING id");
  std::string tag = db.value("INSERT INTO hashtags (title) VALUES ('tern') RETURNING id");
  db.value("INSERT INTO post_hashtags VALUES (" + post + ", " + tag + ")");
  db.value("INSERT INTO likes (post_id, user_id) VALUES (" + post + ", " + ann + ")");
  std::string comment = db.value("INSERT INTO comments (post_id, user_id, content) VALUES (" +
                                 post + ", " + ann + ", 'c') RETURNING id");
  db.value("INSERT INTO replies (comment_id, user_id, content) VALUES (" + comment + ", " + ann +
           ", 'r')");

  db.value("DELETE FROM posts WHERE id = " + post);
  CHECK(db.value("SELECT (SELECT count(*) FROM likes) + (SELECT count(*) FROM post_hashtags) + "
                 "(SELECT count(*) FROM comments) + (SELECT count(*) FROM replies)") == "0");
  CHECK(db.value("SELECT count(*) FROM hashtags") == "1");  // a tag outlives its posts
  CHECK(db.value("SELECT count(*) FROM images") == "1");    // and an image its post

  // The other way round, a post outlives its image.
  post = db.value("INSERT INTO posts (user_id, content, image_id) VALUES (" + ann + ", 'again', " +
                  image + ") RETURNING id");
  db.value("DELETE FROM images WHERE id = " + image);
  CHECK(db.value("SELECT image_id IS NULL FROM posts WHERE id = " + post) == "t");
}

TEST_CASE("migrate: rfc3339() is UTC with milliseconds, whatever the session's time zone") {
  ScratchDatabase scratch("rfc3339");
  migrate_quietly(scratch.url(), tern::db::embedded_migrations());
  Db db(scratch.url());
  db.value("SET TimeZone = 'Asia/Kolkata'");
  db.value("SET DateStyle = 'SQL, DMY'");
  CHECK(db.value("SELECT rfc3339('2024-05-01 09:30:00.123789+02')") == "2024-05-01T07:30:00.123Z");
}

TEST_CASE("migrate: ensure_migrated() brings DATABASE_URL up to date") {
  tern::test::ensure_migrated();
  tern::test::ensure_migrated();  // once per process: the second call does nothing
  CHECK(Db(tern::test::test_database_url()).value("SELECT max(version) FROM schema_migrations") ==
        std::to_string(tern::db::embedded_migrations().back().version));
}
