// The three session stores, held to the same contract: save, load, remove;
// the idle timeout renewed by every load; the absolute lifetime never.
#include <doctest/doctest.h>

#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <memory>
#include <optional>
#include <vector>

#include "core/redis_url.hpp"
#include "db/redis_client.hpp"
#include "db/session_store_memory.hpp"
#include "db/session_store_postgres.hpp"
#include "db/session_store_redis.hpp"
#include "tests/db/pg_fixture.hpp"
#include "tests/db/test_env.hpp"

using namespace tern::db;
using namespace std::chrono_literals;
using tern::test::sleep_for;

namespace {

std::string fresh_sid() {
  static int n = 0;
  return "test-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) +
         "-" + std::to_string(++n);
}

asio::awaitable<void> contract(SessionStore& store) {
  std::string sid = fresh_sid();
  CHECK_FALSE(co_await store.load(sid));
  co_await store.save(sid, SessionData{42, unix_now()});
  auto got = co_await store.load(sid);
  REQUIRE(got);
  CHECK(got->user_id == 42);
  co_await store.remove(sid);
  CHECK_FALSE(co_await store.load(sid));

  // Idle timeout 1 s, renewed by each load: alive 1.2 s after the save
  // because it was loaded at 0.6 s, gone 1.1 s after the last load.
  std::string idle = fresh_sid();
  co_await store.save(idle, SessionData{7, unix_now()});
  co_await sleep_for(600ms);
  CHECK(co_await store.load(idle));
  co_await sleep_for(600ms);
  CHECK(co_await store.load(idle));
  co_await sleep_for(1100ms);
  CHECK_FALSE(co_await store.load(idle));

  // Past the absolute lifetime (10 s here): gone however recently used.
  std::string old = fresh_sid();
  co_await store.save(old, SessionData{9, unix_now() - 11});
  CHECK_FALSE(co_await store.load(old));
}

const SessionLimits kLimits{1s, 10s};
const SessionLimits kThreePerUser{60s, 600s, 3};

std::int64_t fresh_user() {
  static std::int64_t n = 0;
  return 1'000'000'000 +
         std::chrono::system_clock::now().time_since_epoch().count() / 1000 % 1'000'000'000 + ++n;
}

// At most three live sessions per user: a fourth login ends the oldest
// login (even if it was just used), other users are untouched, and a
// session that was logged out does not count.
asio::awaitable<void> per_user_bound(SessionStore& store) {
  std::int64_t user = fresh_user(), other = fresh_user();
  std::vector<std::string> s;
  for (int i = 0; i < 5; ++i)
    s.push_back(fresh_sid());
  std::string theirs = fresh_sid();
  co_await store.save(theirs, SessionData{other, unix_now() - 10});
  for (int i = 0; i < 3; ++i)
    co_await store.save(s[i], SessionData{user, unix_now() - 5 + i});
  CHECK(co_await store.load(s[0]));  // used, but still the oldest login
  co_await store.save(s[3], SessionData{user, unix_now()});
  CHECK_FALSE(co_await store.load(s[0]));
  CHECK(co_await store.load(s[1]));
  CHECK(co_await store.load(s[2]));
  CHECK(co_await store.load(s[3]));
  CHECK(co_await store.load(theirs));
  co_await store.remove(s[1]);  // logged out: its place is free
  co_await store.save(s[4], SessionData{user, unix_now()});
  CHECK(co_await store.load(s[2]));
  CHECK(co_await store.load(s[3]));
  CHECK(co_await store.load(s[4]));
}

struct Migrated {
  Migrated() { tern::test::ensure_migrated(); }
};

}  // namespace

TEST_CASE("sessions: stored form round-trips, junk is no session") {
  auto d = decode_session(encode_session(SessionData{12, 1700000000}));
  REQUIRE(d);
  CHECK(d->user_id == 12);
  CHECK(d->created == 1700000000);
  CHECK_FALSE(decode_session(""));
  CHECK_FALSE(decode_session("{\"uid\":\"x\"}"));
  CHECK_FALSE(decode_session("{\"uid\":0,\"created\":1}"));
}

TEST_CASE("sessions: memory store keeps the contract and its bound") {
  tern::test::with_pool(tern::test::pg_options(), [](PgPool&) -> asio::awaitable<void> {
    MemorySessionStore store(kLimits);
    co_await contract(store);
    MemorySessionStore bounded(kThreePerUser);
    co_await per_user_bound(bounded);

    // A dead session the sweep has not reached does not push out a live one:
    // b is idle-expired but still listed (three others' dead ones are ahead
    // of it in the sweep's order, and save() only drops two); a is older but
    // alive. With a cap of two, c's login must end b, not a.
    MemorySessionStore two(SessionLimits{1s, 10s, 2});
    for (const char* other : {"x1", "x2", "x3"})
      co_await two.save(other, SessionData{900, unix_now()});
    co_await two.save("a", SessionData{901, unix_now()});
    co_await two.save("b", SessionData{901, unix_now()});
    co_await sleep_for(500ms);
    CHECK(co_await two.load("a"));  // renewed: alive until 1.5 s, b only until 1 s
    co_await sleep_for(600ms);
    co_await two.save("c", SessionData{901, unix_now()});
    CHECK(co_await two.load("a"));
    CHECK(co_await two.load("c"));
    CHECK(two.sessions_of(901) == 2);

    // Full: the least recently used session makes room (O(1), no scan).
    MemorySessionStore tiny(kLimits, 2);
    co_await tiny.save("a", SessionData{1, unix_now()});
    co_await tiny.save("b", SessionData{2, unix_now()});
    co_await tiny.save("a", SessionData{3, unix_now()});  // replacing is not growing
    CHECK(tiny.size() == 2);
    CHECK(co_await tiny.load("b"));  // now "a" is the least recently used
    co_await tiny.save("c", SessionData{4, unix_now()});
    CHECK(tiny.size() == 2);
    CHECK_FALSE(co_await tiny.load("a"));
    CHECK(co_await tiny.load("b"));
    CHECK(co_await tiny.load("c"));

    // The sweep, step by step: expired sessions go without being asked for,
    // a live one stays, and a step does a bounded amount of work.
    MemorySessionStore big(kLimits);
    for (int i = 0; i < 10'000; ++i)
      co_await big.save("old-" + std::to_string(i), SessionData{1000 + i, unix_now()});
    co_await sleep_for(1100ms);                             // past the 1 s idle timeout
    co_await big.save("live", SessionData{2, unix_now()});  // (itself drops two old ones)
    std::size_t first = big.sweep_step();
    CHECK(first == MemorySessionStore::kSweepBatch);
    std::size_t swept = first;
    for (int step = 0; step < 10; ++step)
      swept += big.sweep_step();
    CHECK(swept == 10'000 - 2);
    CHECK(big.size() == 1);
    CHECK(big.sessions_of(1000) == 0);
    CHECK(big.sessions_of(2) == 1);
    CHECK(co_await big.load("live"));
  });
}

TEST_CASE_FIXTURE(Migrated, "sessions: postgres store keeps the contract") {
  tern::test::with_pool([](PgPool& pool) -> asio::awaitable<void> {
    PostgresSessionStore store(pool, kLimits);
    co_await contract(store);
    PostgresSessionStore bounded(pool, kThreePerUser);
    co_await per_user_bound(bounded);
  });
}

TEST_CASE_FIXTURE(Migrated,
                  "sessions: postgres store renews one turn's sessions in one statement") {
  tern::test::with_pool([](PgPool& pool) -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    PostgresSessionStore store(pool, kLimits);
    std::vector<std::string> sids{fresh_sid(), fresh_sid(), fresh_sid()};
    for (std::size_t i = 0; i < sids.size(); ++i)
      co_await store.save(sids[i], SessionData{static_cast<std::int64_t>(100 + i), unix_now()});
    sids.push_back(fresh_sid());  // never saved
    sids.push_back(sids[1]);      // asked for twice

    std::vector<std::optional<SessionData>> got(sids.size());
    int done = 0;
    auto before = pool.stats().queries;
    for (std::size_t i = 0; i < sids.size(); ++i)
      asio::co_spawn(
          ex,
          [&, i]() -> asio::awaitable<void> {
            got[i] = co_await store.load(sids[i]);
            ++done;
          },
          asio::detached);
    for (int spins = 0; done < static_cast<int>(sids.size()) && spins < 1000; ++spins)
      co_await sleep_for(1ms);
    REQUIRE(done == static_cast<int>(sids.size()));
    CHECK(pool.stats().queries - before == 1);
    for (std::size_t i = 0; i < 3; ++i) {
      REQUIRE(got[i]);
      CHECK(got[i]->user_id == static_cast<std::int64_t>(100 + i));
    }
    CHECK_FALSE(got[3]);
    REQUIRE(got[4]);
    CHECK(got[4]->user_id == 101);
  });
}

TEST_CASE("sessions: redis store keeps the contract") {
  tern::test::with_pool([](PgPool&) -> asio::awaitable<void> {
    RedisClient redis(co_await asio::this_coro::executor,
                      tern::RedisUrl::parse(tern::test::test_redis_url()));
    for (int i = 0; i < 200 && !redis.connected(); ++i)
      co_await sleep_for(10ms);
    REQUIRE(redis.connected());
    RedisSessionStore store(redis, kLimits, "test:sess:");
    co_await contract(store);
    RedisSessionStore bounded(redis, kThreePerUser, "test:sess:");
    co_await per_user_bound(bounded);
    // The user's set lists exactly the live ones, and expires.
    std::int64_t user = fresh_user();
    for (int i = 0; i < 5; ++i)
      co_await bounded.save(fresh_sid(), SessionData{user, unix_now()});
    std::string key = "test:sess:user:" + std::to_string(user);
    CHECK((co_await redis.command("ZCARD", key)).as_integer() == 3);
    long long ttl = (co_await redis.command("TTL", key)).as_integer();
    CHECK(ttl > 0);
    CHECK(ttl <= 600);
    redis.close();
  });
}
