// The PostgreSQL layer against a real server: typed results, errors and their
// classes, pipelining under concurrency, prepared statements, transactions,
// timeouts, and a server restart with queries in flight.
#include <doctest/doctest.h>

#include <asio/detached.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "core/thread_pool.hpp"
#include "db/pg_error.hpp"
#include "tests/db/pg_fixture.hpp"

using namespace std::chrono_literals;
using tern::db::PgError;
using tern::db::PgPool;
using tern::db::Statement;
using tern::test::error_of;
using tern::test::sleep_for;
using tern::test::svc;
using tern::test::with_pool;
using Kind = PgError::Kind;

namespace {

const Statement kDouble{"test_double", "SELECT $1::int8 * 2"};
const Statement kEcho{"test_echo", "SELECT $1::text, $2::int8, $3::bool, $4::text IS NULL"};
const Statement kBroken{"test_broken", "SELEKT nonsense"};

}  // namespace

TEST_CASE("pg: typed rows, NULLs and parameters of every kind") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    auto r = co_await pool.query(kEcho, std::string("héllo 'quoted'"), -42, true, std::nullopt);
    REQUIRE(r.size() == 1);
    CHECK(r.columns() == 4);
    auto row = r.front();
    CHECK(row.get<std::string>(0) == "héllo 'quoted'");
    CHECK(row.get<std::int64_t>(1) == -42);
    CHECK(row.get<bool>(2));
    CHECK(row.get<bool>(3));

    auto nulls = co_await pool.query_sql("SELECT NULL::int8, 7::int8");
    CHECK(nulls.front().get<std::optional<std::int64_t>>(0) == std::nullopt);
    CHECK(nulls.front().get<std::optional<std::int64_t>>(1) == 7);
    CHECK_THROWS_AS(nulls.front().get<std::int64_t>(0), PgError);

    std::vector<std::int64_t> ids{3, 1, 2};
    auto arr = co_await pool.query_sql("SELECT sum(x) FROM unnest($1::int8[]) x", ids);
    CHECK(arr.front().get<std::int64_t>(0) == 6);
    std::vector<std::string> words{"a,b", "\"q\"", "NULL", "", "back\\slash"};
    auto w = co_await pool.query_sql(
        "SELECT array_length($1::text[], 1), ($1::text[])[2], "
        "($1::text[])[3] IS NULL, ($1::text[])[5]",
        words);
    CHECK(w.front().get<int>(0) == 5);
    CHECK(w.front().get<std::string>(1) == "\"q\"");
    CHECK_FALSE(w.front().get<bool>(2));
    CHECK(w.front().get<std::string>(3) == "back\\slash");

    auto empty = co_await pool.query_sql("SELECT 1 WHERE false");
    CHECK(empty.empty());
    CHECK_THROWS_AS(empty.front(), PgError);
  });
}

TEST_CASE("pg: errors are classified; a failing query leaves the others alone") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    co_await pool.query_sql("DROP TABLE IF EXISTS pg_test_unique");
    co_await pool.query_sql(
        "CREATE TABLE pg_test_unique (email text CONSTRAINT pg_test_email "
        "UNIQUE, n int CHECK (n > 0))");
    auto insert = co_await pool.query_sql("INSERT INTO pg_test_unique VALUES ($1, 1)", "a@x");
    CHECK(insert.affected() == 1);
    try {
      co_await pool.query_sql("INSERT INTO pg_test_unique VALUES ($1, 1)", "a@x");
      FAIL("duplicate accepted");
    } catch (const PgError& e) {
      CHECK(e.kind() == Kind::unique_violation);
      CHECK(e.sqlstate() == "23505");
      CHECK(e.constraint() == "pg_test_email");
      CHECK_FALSE(e.is_unavailable());
    }
    CHECK(co_await error_of([&] {
            return pool.query_sql(
                "INSERT INTO pg_test_unique VALUES "
                "('b', 0)");
          }) == Kind::check_violation);
    CHECK(co_await error_of([&] { return pool.query_sql("SELECT 'x1'::int"); }) ==
          Kind::invalid_input);
    CHECK(co_await error_of([&] { return pool.query(kBroken); }) == Kind::other);
    // A NUL byte cannot travel in text format: refused, never truncated.
    CHECK_THROWS_AS(pool.query(kDouble, std::string("1\0 2", 4)), PgError);
    // The broken statement can be retried (and fails the same way), and the
    // connection keeps working.
    CHECK(co_await error_of([&] { return pool.query(kBroken); }) == Kind::other);
    auto ok = co_await pool.query(kDouble, 21);
    CHECK(ok.front().get<int>(0) == 42);
    co_await pool.query_sql("DROP TABLE pg_test_unique");
  });
}

TEST_CASE("pg: thousands of concurrent queries pipeline over two connections") {
  auto options = tern::test::pg_options();
  options.connections = 2;
  with_pool(options, [](PgPool& pool) -> asio::awaitable<void> {
    constexpr int kQueries = 3000;
    int correct = 0, failed_as_expected = 0, finished = 0;
    std::size_t peak_in_flight = 0;
    auto one = [&](int i) -> asio::awaitable<void> {
      if (i % 100 == 7) {
        // Errors in the middle of the pipeline hit only their own query.
        if (co_await error_of([&] { return pool.query_sql("SELECT 1/0"); })) ++failed_as_expected;
      } else {
        auto r = co_await pool.query(kDouble, i);
        if (r.front().get<int>(0) == 2 * i) ++correct;
      }
      ++finished;
    };
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < kQueries; ++i)
      asio::co_spawn(ex, one(i), asio::detached);
    peak_in_flight = pool.stats().in_flight;
    while (finished < kQueries)
      co_await sleep_for(5ms);
    CHECK(failed_as_expected == kQueries / 100);
    CHECK(correct == kQueries - kQueries / 100);
    // All were sent before the first answer came back: one pipeline per connection.
    CHECK(peak_in_flight == kQueries);
    CHECK(pool.stats().in_flight == 0);
  });
}

TEST_CASE("pg: a pipeline bigger than the socket buffers drains without stalling") {
  // 32 MB of parameters on one connection: writes block part-way (PQflush
  // returns 1, the write-readiness path) and libpq reads replies in the middle
  // of its own writes; every query must still complete.
  auto options = tern::test::pg_options();
  options.connections = 1;
  with_pool(options, [](PgPool& pool) -> asio::awaitable<void> {
    static const Statement kLength{"test_length", "SELECT length($1)"};
    constexpr int kQueries = 2000;
    const std::string big(16 << 10, 'x');
    int correct = 0, finished = 0;
    auto one = [&]() -> asio::awaitable<void> {
      auto r = co_await pool.query(kLength, big);
      correct += r.front().get<int>(0) == static_cast<int>(big.size());
      ++finished;
    };
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < kQueries; ++i)
      asio::co_spawn(ex, one(), asio::detached);
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (finished < kQueries && std::chrono::steady_clock::now() < deadline)
      co_await sleep_for(5ms);
    CHECK(finished == kQueries);
    CHECK(correct == kQueries);
  });
}

TEST_CASE("pg: transactions commit, roll back on scope exit, and stay isolated") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    co_await pool.query_sql("DROP TABLE IF EXISTS pg_test_tx");
    co_await pool.query_sql("CREATE TABLE pg_test_tx (id int PRIMARY KEY)");
    {
      auto tx = co_await pool.begin();
      co_await tx.query_sql("INSERT INTO pg_test_tx VALUES (1)");
      // Other queries do not run inside the open transaction.
      auto outside = co_await pool.query_sql("SELECT count(*) FROM pg_test_tx");
      CHECK(outside.front().get<int>(0) == 0);
      co_await tx.commit();
    }
    try {
      auto tx = co_await pool.begin();
      co_await tx.query_sql("INSERT INTO pg_test_tx VALUES (2)");
      co_await tx.query_sql("INSERT INTO pg_test_tx VALUES (1)");  // duplicate: throws
      co_await tx.commit();
    } catch (const PgError& e) {
      CHECK(e.kind() == Kind::unique_violation);
    }
    {
      auto tx = co_await pool.begin();
      co_await tx.query_sql("INSERT INTO pg_test_tx VALUES (3)");
      // leaves the scope without commit: rolled back
    }
    {
      // An error caught inside the transaction: COMMIT cannot commit it,
      // and must not pretend to.
      auto tx = co_await pool.begin();
      co_await tx.query_sql("INSERT INTO pg_test_tx VALUES (4)");
      auto duplicate =
          co_await error_of([&] { return tx.query_sql("INSERT INTO pg_test_tx VALUES (1)"); });
      CHECK(duplicate == Kind::unique_violation);
      CHECK(co_await error_of([&] { return tx.commit(); }) == Kind::other);
    }
    auto rows = co_await pool.query_sql("SELECT array_agg(id ORDER BY id)::text FROM pg_test_tx");
    CHECK(rows.front().get<std::string>(0) == "{1}");
    CHECK(pool.stats().reserved == 0);
    co_await pool.query_sql("DROP TABLE pg_test_tx");
  });
}

TEST_CASE("pg: transactions wait for a free connection; one stays for plain queries") {
  auto options = tern::test::pg_options();
  options.connections = 2;
  with_pool(options, [](PgPool& pool) -> asio::awaitable<void> {
    auto first = co_await pool.begin();
    CHECK(pool.stats().reserved == 1);
    bool second_started = false;
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          auto second = co_await pool.begin();  // waits: one connection stays free
          second_started = true;
          co_await second.commit();
        },
        asio::detached);
    co_await sleep_for(50ms);
    CHECK_FALSE(second_started);
    auto plain = co_await pool.query(kDouble, 2);  // not blocked by either
    CHECK(plain.front().get<int>(0) == 4);
    co_await first.commit();
    while (!second_started)
      co_await sleep_for(5ms);
    CHECK(pool.stats().reserved == 0);
  });
}

TEST_CASE("pg: a query or transaction asked for while the pool connects waits for it") {
  // Right after start() nothing is connected yet: a query must wait for the
  // first connection rather than fail, and a transaction, which needs a
  // second connection so that one stays free, must be woken when that one
  // comes up (it used to wait for a release that never came, and time out).
  auto options = tern::test::pg_options();
  options.connections = 2;
  options.acquire_timeout = 3s;
  with_pool(
      options,
      [](PgPool& pool) -> asio::awaitable<void> {
        CHECK(pool.stats().ready == 0);
        auto first = co_await pool.query(kDouble, 1);
        CHECK(first.front().get<int>(0) == 2);
        auto started = std::chrono::steady_clock::now();
        auto tx = co_await pool.begin();
        CHECK(std::chrono::steady_clock::now() - started < 2s);
        auto in_tx = co_await tx.query(kDouble, 3);
        CHECK(in_tx.front().get<int>(0) == 6);
        co_await tx.commit();
        CHECK(pool.stats().ready == 2);
      },
      /*wait_ready=*/false);
}

TEST_CASE("pg: a statement over statement_timeout fails alone; a silent server is cut off") {
  auto options = tern::test::pg_options();
  options.connections = 1;
  options.statement_timeout = 100ms;
  with_pool(options, [](PgPool& pool) -> asio::awaitable<void> {
    CHECK(co_await error_of([&] { return pool.query_sql("SELECT pg_sleep(2)"); }) == Kind::timeout);
    auto after = co_await pool.query(kDouble, 5);  // same connection, still fine
    CHECK(after.front().get<int>(0) == 10);
    CHECK(pool.stats().connects == 1);
  });

  options.statement_timeout = 10s;
  options.query_timeout = 300ms;  // the client gives up first: the server looks hung
  with_pool(options, [](PgPool& pool) -> asio::awaitable<void> {
    auto started = std::chrono::steady_clock::now();
    CHECK(co_await error_of([&] { return pool.query_sql("SELECT pg_sleep(3)"); }) == Kind::timeout);
    CHECK(std::chrono::steady_clock::now() - started < 1500ms);
    // The connection was dropped and comes back by itself.
    CHECK(co_await pool.wait_ready(5s));
    CHECK(pool.stats().connects == 2);
    auto r = co_await pool.query(kDouble, 1);
    CHECK(r.front().get<int>(0) == 2);
  });
}

TEST_CASE("pg: no server → unavailable at once, never a hang") {
  tern::db::PgOptions options;
  options.url = "postgresql://tern@127.0.0.1:1/nothing";  // nothing listens on port 1
  with_pool(
      options,
      [](PgPool& pool) -> asio::awaitable<void> {
        CHECK_FALSE(co_await pool.wait_ready(200ms));
        auto started = std::chrono::steady_clock::now();
        CHECK(co_await error_of([&] { return pool.query(kDouble, 1); }) == Kind::unavailable);
        CHECK(co_await error_of([&] { return pool.begin(); }) == Kind::unavailable);
        CHECK(std::chrono::steady_clock::now() - started < 50ms);
      },
      false);
}

TEST_CASE("pg: restarting PostgreSQL with queries in flight; the pool recovers by itself") {
  tern::ThreadPool shell(1, 4);  // runs the blocking stop/start scripts off the loop
  with_pool([&shell](PgPool& pool) -> asio::awaitable<void> {
    int lost = 0, other = 0, finished = 0;
    constexpr int kInFlight = 50;
    auto slow = [&]() -> asio::awaitable<void> {
      auto kind = co_await error_of([&] { return pool.query_sql("SELECT pg_sleep(30)"); });
      if (kind == Kind::connection_lost || kind == Kind::unavailable)
        ++lost;
      else
        ++other;
      ++finished;
    };
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < kInFlight; ++i)
      asio::co_spawn(ex, slow(), asio::detached);
    co_await sleep_for(100ms);

    auto stop = [] { svc("pg-stop"); };
    co_await shell.run(stop);
    while (finished < kInFlight)
      co_await sleep_for(10ms);
    CHECK(lost == kInFlight);
    CHECK(other == 0);

    // While it is down: a clear error, at once.
    auto started = std::chrono::steady_clock::now();
    CHECK(co_await error_of([&] { return pool.query(kDouble, 1); }) == Kind::unavailable);
    CHECK(std::chrono::steady_clock::now() - started < 100ms);

    auto start = [] { svc("pg-start"); };
    co_await shell.run(start);
    CHECK(co_await pool.wait_ready(10s));
    auto r = co_await pool.query(kDouble, 8);
    CHECK(r.front().get<int>(0) == 16);
  });
}
