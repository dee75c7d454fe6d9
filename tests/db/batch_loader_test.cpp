// BatchLoader against the real schema: loads started in one loop turn share
// one query and each gets its own row; unknown ids are nullopt; a batch is
// cut at max_batch; a failing query fails every waiter of its batch, with the
// query's error.
#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/batch_loader.hpp"
#include "db/users.hpp"
#include "tests/db/pg_fixture.hpp"
#include "tests/db/test_env.hpp"

using namespace tern::db;
using tern::test::with_pool;

namespace {

struct Migrated {
  Migrated() { tern::test::ensure_migrated(); }
};

using MeLoader = BatchLoader<std::int64_t, Me>;

MeLoader me_loader(asio::any_io_executor ex, PgPool& pool, std::size_t max_batch = 256) {
  return MeLoader(
      ex, [&pool](std::vector<std::int64_t> ids) { return users::me_many(pool, std::move(ids)); },
      [](const Me& m) { return m.user.id; }, max_batch);
}

struct Result {
  std::optional<Me> me;
  std::optional<PgError::Kind> error;
  bool done = false;
};

// Starts one load() per id in the same loop turn, as concurrent requests
// would, and waits until all have answered.
asio::awaitable<std::vector<Result>> load_all(MeLoader& loader, std::vector<std::int64_t> ids) {
  auto ex = co_await asio::this_coro::executor;
  std::vector<Result> results(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    asio::co_spawn(
        ex,
        [&loader, &results, i, id = ids[i]]() -> asio::awaitable<void> {
          try {
            results[i].me = co_await loader.load(id);
          } catch (const PgError& e) {
            results[i].error = e.kind();
          }
          results[i].done = true;
        },
        asio::detached);
  }
  asio::steady_timer timer(ex);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    bool all = true;
    for (auto& r : results)
      all = all && r.done;
    if (all) break;
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("loads hung");
    timer.expires_after(std::chrono::milliseconds(1));
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return results;
}

asio::awaitable<User> new_user(PgPool& pool, const std::string& nick) {
  static int n = 0;
  auto t = std::chrono::steady_clock::now().time_since_epoch().count();
  co_return co_await users::create(
      pool, "bl" + std::to_string(t) + "_" + std::to_string(++n) + "@x.io", nick, "$argon2id$x");
}

}  // namespace

TEST_CASE_FIXTURE(Migrated, "batch loader: one turn's loads share one query, each gets its row") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    User a = co_await new_user(pool, "a"), b = co_await new_user(pool, "b"),
         c = co_await new_user(pool, "c");
    co_await users::follow(pool, a.id, b.id);
    co_await users::follow(pool, a.id, c.id);
    co_await users::follow(pool, c.id, a.id);
    MeLoader loader = me_loader(ex, pool);

    std::vector<std::int64_t> ids{c.id, a.id, -7, b.id, a.id};  // unordered, a twice, one unknown
    auto r = co_await load_all(loader, ids);
    CHECK(loader.stats().loads == 5);
    CHECK(loader.stats().batches == 1);
    for (auto& x : r)
      CHECK_FALSE(x.error);
    REQUIRE(r[0].me);
    CHECK(r[0].me->user.nick == "c");
    CHECK(r[0].me->follower_count == 1);
    REQUIRE(r[1].me);
    CHECK(r[1].me->user.email == a.email);
    CHECK(r[1].me->follower_count == 1);
    CHECK(r[1].me->following_count == 2);
    std::vector<std::int64_t> b_and_c{b.id, c.id};
    CHECK(r[1].me->following_ids == b_and_c);
    CHECK_FALSE(r[2].me);  // no such user
    REQUIRE(r[3].me);
    CHECK(r[3].me->user.nick == "b");
    CHECK(r[3].me->following_ids.empty());
    REQUIRE(r[4].me);
    CHECK(r[4].me->user.id == a.id);

    // Loads one after the other are batches of one: nothing waits for company.
    CHECK((co_await loader.load(b.id))->user.nick == "b");
    CHECK((co_await loader.load(c.id))->user.nick == "c");
    CHECK(loader.stats().batches == 3);

    // Nothing is cached: a write between two loads shows in the second.
    co_await users::unfollow(pool, a.id, c.id);
    CHECK((co_await loader.load(a.id))->following_count == 1);
  });
}

TEST_CASE_FIXTURE(Migrated, "batch loader: a turn larger than max_batch is cut into batches") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    std::vector<std::int64_t> ids;
    std::vector<std::string> nicks;
    for (int i = 0; i < 5; ++i) {
      User u = co_await new_user(pool, "n" + std::to_string(i));
      ids.push_back(u.id);
      nicks.push_back(u.nick);
    }
    MeLoader loader = me_loader(ex, pool, 2);
    auto r = co_await load_all(loader, ids);
    CHECK(loader.stats().batches == 3);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      REQUIRE(r[i].me);
      CHECK(r[i].me->user.nick == nicks[i]);
    }
  });
}

TEST_CASE("batch loader: a failing query fails every waiter of its batch with its error") {
  auto options = tern::test::pg_options();
  options.url = "postgresql://tern@127.0.0.1:1/nowhere?connect_timeout=1";
  with_pool(
      options,
      [](PgPool& pool) -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        MeLoader loader = me_loader(ex, pool);
        std::vector<std::int64_t> ids{1, 2, 3};
        auto r = co_await load_all(loader, ids);
        CHECK(loader.stats().batches == 1);
        for (auto& x : r) {
          CHECK_FALSE(x.me);
          CHECK(x.error == PgError::Kind::unavailable);
        }
      },
      false);
}
