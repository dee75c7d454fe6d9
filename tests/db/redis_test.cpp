// The Redis layer against a real server (REDIS_URL, which scripts/test sets):
// URL parsing and reply values (pure), commands and replies of every type,
// binary values, pipelining under concurrency, SELECT, a failing AUTH,
// pub/sub, close() with commands in flight, and faults — the server stopped
// and restarted under load, the subscriber coming back, a hung (SIGSTOPped)
// server timing commands out.
#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "db/redis_client.hpp"
#include "db/redis_subscriber.hpp"
#include "core/redis_url.hpp"
#include "tests/db/test_env.hpp"

using namespace std::chrono_literals;
using tern::db::RedisClient;
using tern::db::RedisError;
using tern::db::RedisOptions;
using tern::db::RedisReply;
using tern::db::RedisSubscriber;
using tern::RedisUrl;
using Kind = RedisError::Kind;
using Clock = std::chrono::steady_clock;
using tern::test::sleep_for;
using tern::test::svc;

namespace {

RedisUrl test_url() {
  return RedisUrl::parse(tern::test::test_redis_url());
}

// Quick to reconnect, so the fault tests take seconds, not minutes.
RedisOptions fast() {
  RedisOptions o;
  o.connect_timeout = 1s;
  o.backoff_min = 20ms;
  o.backoff_max = 300ms;
  return o;
}

// Puts the test's Redis back up however a fault test ends.
struct RestartRedisAtEnd {
  ~RestartRedisAtEnd() { (void)std::system(TERN_SOURCE_DIR "/scripts/lib/svc redis-start"); }
};

// Runs a test coroutine on a fresh io_context, and checks that once it is done
// nothing is left on the loop: every client closed means no work remains.
template <class Body>
void run_loop(Body body, std::chrono::seconds limit = 30s) {
  asio::io_context io(1);
  bool finished = false;
  std::exception_ptr failure;
  asio::co_spawn(io, body(io.get_executor()), [&](std::exception_ptr e) {
    finished = true;
    failure = e;
  });
  io.run_for(limit);
  REQUIRE_MESSAGE(finished, "the test coroutine did not finish in time");
  if (failure) std::rethrow_exception(failure);
  CHECK_MESSAGE(io.stopped(), "work was left on the io_context: something was not closed");
}

// Polls `done` on the loop until it holds or `limit` passes.
asio::awaitable<bool> eventually(std::function<bool()> done, std::chrono::milliseconds limit = 5s) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) co_return false;
    co_await sleep_for(10ms);
  }
  co_return true;
}

// The RedisError a command throws, or nullopt when it gets a reply.
asio::awaitable<std::optional<RedisError>> error_of(asio::awaitable<RedisReply> command) {
  try {
    co_await std::move(command);
  } catch (const RedisError& e) {
    co_return e;
  }
  co_return std::nullopt;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

TEST_CASE("redis url: the parts, defaults and percent-decoding") {
  auto plain = RedisUrl::parse("redis://localhost");
  CHECK(plain.host == "localhost");
  CHECK(plain.port == 6379);
  CHECK(plain.db == 0);
  CHECK(plain.user.empty());
  CHECK(plain.password.empty());

  auto full = RedisUrl::parse("redis://app:s3cr%40t%2F%00x@cache.internal:6380/7");
  CHECK(full.user == "app");
  CHECK(full.password == std::string("s3cr@t/\0x", 9));
  CHECK(full.host == "cache.internal");
  CHECK(full.port == 6380);
  CHECK(full.db == 7);
  CHECK(full.endpoint() == "cache.internal:6380/7");

  auto password_only = RedisUrl::parse("redis://:pa@ss@127.0.0.1:63809/");
  CHECK(password_only.user.empty());
  CHECK(password_only.password == "pa@ss");  // the last '@' ends the credentials
  CHECK(password_only.db == 0);

  auto v6 = RedisUrl::parse("redis://[::1]:6390/2");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 6390);
  CHECK(v6.endpoint() == "[::1]:6390/2");
}

TEST_CASE("redis url: bad URLs are refused with a reason, never echoing the password") {
  for (const char* bad :
       {"http://localhost", "rediss://localhost", "redis://", "redis://:6379",
        "redis://h:", "redis://h:0", "redis://h:65536", "redis://h:63x", "redis://h/x",
        "redis://h/-1", "redis://h/0?timeout=1", "redis://secret@h", "redis://user:@h",
        "redis://:p%zz@h", "redis://:p%4@h", "redis://[::1", "redis://[::1]x"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(RedisUrl::parse(bad), std::invalid_argument);
  }
  try {
    RedisUrl::parse("redis://:hunter2@h:port");
    FAIL("accepted a bad port");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "port"));
    CHECK_FALSE(contains(e.what(), "hunter2"));
  }
}

TEST_CASE("redis reply: accessors say what they expected and what came") {
  CHECK(RedisReply().is_nil());
  CHECK(RedisReply::make_status("OK").is_ok());
  CHECK(RedisReply::make_string("x").as_string() == "x");
  CHECK(RedisReply::make_integer(-3).as_integer() == -3);
  auto array = RedisReply::make_array({RedisReply::make_integer(1), RedisReply()});
  REQUIRE(array.as_array().size() == 2);
  CHECK(array.as_array()[1].is_nil());

  try {
    (void)RedisReply::make_error("WRONGTYPE Operation against a key").as_integer();
    FAIL("no throw");
  } catch (const RedisError& e) {
    CHECK(e.kind() == Kind::reply_error);
    CHECK(contains(e.what(), "WRONGTYPE"));
  }
  try {
    (void)RedisReply().as_string();
    FAIL("no throw");
  } catch (const RedisError& e) {
    CHECK(e.kind() == Kind::reply_error);
    CHECK(contains(e.what(), "expected a string reply, got nil"));
  }
}

TEST_CASE("redis: SET, GET, INCR, DEL, nil and binary values") {
  run_loop([](asio::any_io_executor ex) -> asio::awaitable<void> {
    RedisClient redis(ex, test_url(), fast());
    REQUIRE(co_await eventually([&] { return redis.connected(); }));
    co_await redis.ping();
    co_await redis.command("DEL", "tern:test:redis:a", "tern:test:redis:n", "tern:test:redis:bin");

    CHECK((co_await redis.command("SET", "tern:test:redis:a", "hello")).is_ok());
    CHECK((co_await redis.command("GET", "tern:test:redis:a")).as_string() == "hello");
    CHECK((co_await redis.command("GET", "tern:test:redis:missing")).is_nil());
    CHECK((co_await redis.command("INCR", "tern:test:redis:n")).as_integer() == 1);
    CHECK((co_await redis.command("INCRBY", "tern:test:redis:n", 41)).as_integer() == 42);

    // NUL, CR LF and high bytes are data, in keys and values alike.
    const std::string value("a\0b\r\n$3\r\n\xff", 10);
    const std::string key("tern:test:redis:bin\0key", 23);
    CHECK((co_await redis.command("SET", key, value)).is_ok());
    auto got = co_await redis.command("GET", key);
    CHECK(got.as_string() == value);
    CHECK((co_await redis.command("STRLEN", key)).as_integer() == 10);

    std::vector<std::string> mget{"MGET", "tern:test:redis:a", "tern:test:redis:missing"};
    auto list = co_await redis.command(std::move(mget));
    REQUIRE(list.as_array().size() == 2);
    CHECK(list.as_array()[0].as_string() == "hello");
    CHECK(list.as_array()[1].is_nil());

    // The initializer_list form, awaited apart (see redis_client.hpp).
    auto del = redis.command({"DEL", "tern:test:redis:a", "tern:test:redis:n", key});
    CHECK((co_await std::move(del)).as_integer() == 3);
    CHECK(redis.commands_sent() >= 11);
    redis.close();
  });
}

TEST_CASE("redis: an error reply is a value, and the connection stays usable") {
  run_loop([](asio::any_io_executor ex) -> asio::awaitable<void> {
    RedisClient redis(ex, test_url(), fast());
    REQUIRE(co_await eventually([&] { return redis.connected(); }));
    co_await redis.command("SET", "tern:test:redis:text", "abc");

    auto reply = co_await redis.command("INCR", "tern:test:redis:text");
    REQUIRE(reply.is_error());
    CHECK(contains(reply.error_message(), "ERR value is not an integer"));
    CHECK_THROWS_AS((void)reply.as_integer(), RedisError);

    auto unknown = co_await redis.command("NO-SUCH-COMMAND", "x");
    CHECK(unknown.is_error());
    CHECK((co_await redis.command("DEL", "tern:test:redis:text")).as_integer() == 1);

    auto empty = redis.command(std::vector<std::string>{});
    CHECK_THROWS_AS(co_await std::move(empty), std::invalid_argument);
    auto subscribe = redis.command("subscribe", "tern:test:redis:chan");
    CHECK_THROWS_AS(co_await std::move(subscribe), std::invalid_argument);
    co_await redis.ping();
  });
}

namespace {

// Coroutine i pushes i onto a shared list, so the list shows the order the
// commands went out in, and RPUSH's answer (the new length, i + 1) shows
// each reply reached its own waiter. Then a private key round-trips.
asio::awaitable<void> pipelined_worker(RedisClient& redis, int i, int& wrong) {
  auto pushed = co_await redis.command("RPUSH", "tern:test:redis:order", i);
  if (pushed.as_integer() != i + 1) ++wrong;
  std::string key = "tern:test:redis:k" + std::to_string(i);
  std::string value = "value " + std::to_string(i) + std::string(i % 100, '.');
  co_await redis.command("SET", key, value);
  if ((co_await redis.command("GET", key)).as_string() != value) ++wrong;
}

}  // namespace

TEST_CASE("redis: 1000 concurrent commands share one pipelined connection, in order") {
  run_loop([](asio::any_io_executor ex) -> asio::awaitable<void> {
    constexpr int kWorkers = 1000;
    RedisClient redis(ex, test_url(), fast());
    REQUIRE(co_await eventually([&] { return redis.connected(); }));
    co_await redis.command("DEL", "tern:test:redis:order");
    auto sent_before = redis.commands_sent();

    int wrong = 0, finished = 0, failed = 0;
    for (int i = 0; i < kWorkers; ++i)
      asio::co_spawn(ex, pipelined_worker(redis, i, wrong), [&](std::exception_ptr e) {
        ++finished;
        if (e) ++failed;
      });
    // Behind every worker's start: each has sent its first command, and no
    // reply can have been read yet.
    co_await asio::post(ex, asio::use_awaitable);
    std::size_t peak = redis.in_flight();
    REQUIRE(co_await eventually([&] { return finished == kWorkers; }, 20s));

    CHECK(failed == 0);
    CHECK(wrong == 0);
    CHECK(peak > 100);
    CHECK(redis.commands_sent() - sent_before == 3 * kWorkers);
    auto order = co_await redis.command("LRANGE", "tern:test:redis:order", 0, -1);
    REQUIRE(order.as_array().size() == kWorkers);
    int out_of_order = 0;
    for (int i = 0; i < kWorkers; ++i)
      if (order.as_array()[i].as_string() != std::to_string(i)) ++out_of_order;
    CHECK(out_of_order == 0);

    std::vector<std::string> del{"DEL", "tern:test:redis:order"};
    for (int i = 0; i < kWorkers; ++i)
      del.push_back("tern:test:redis:k" + std::to_string(i));
    CHECK((co_await redis.command(std::move(del))).as_integer() == kWorkers + 1);
  });
}

TEST_CASE("redis: the database in the URL is selected") {
  run_loop([](asio::any_io_executor ex) -> asio::awaitable<void> {
    RedisUrl url0 = test_url(), url1 = test_url();
    url0.db = 0;
    url1.db = 1;
    RedisClient db0(ex, url0, fast()), db1(ex, url1, fast());
    REQUIRE(co_await eventually([&] { return db0.connected() && db1.connected(); }));

    CHECK((co_await db1.command("SET", "tern:test:redis:db", "in one")).is_ok());
    CHECK((co_await db0.command("GET", "tern:test:redis:db")).is_nil());
    CHECK((co_await db1.command("GET", "tern:test:redis:db")).as_string() == "in one");
    CHECK((co_await db1.command("DEL", "tern:test:redis:db")).as_integer() == 1);
  });
}

TEST_CASE("redis: a failing AUTH is reported clearly and retried, never crashing") {
  run_loop([](asio::any_io_executor ex) -> asio::awaitable<void> {
    // The test server has no password, so any AUTH is refused.
    RedisUrl with_password = test_url(), with_user = test_url();
    with_password.password = "wrong-password";
    with_user.user = "nobody";
    with_user.password = "wrong-password";
    RedisClient a(ex, with_password, fast()), b(ex, with_user, fast());
    REQUIRE(
        co_await eventually([&] { return !a.last_error().empty() && !b.last_error().empty(); }));
    co_await sleep_for(300ms);  // a few retries
    CHECK_FALSE(a.connected());
    CHECK_FALSE(b.connected());

    auto ea = co_await error_of(a.command("PING"));
    auto eb = co_await error_of(b.command("PING"));
    REQUIRE(ea);
    REQUIRE(eb);
    CHECK(ea->kind() == Kind::unavailable);
    CHECK(eb->kind() == Kind::unavailable);
    CAPTURE(ea->what());
    CAPTURE(eb->what());
    CHECK(contains(ea->what(), "AUTH failed: ERR"));
    CHECK(contains(eb->what(), "AUTH failed: WRONGPASS"));
    CHECK_FALSE(contains(ea->what(), "wrong-password"));
    CHECK_FALSE(contains(eb->what(), "wrong-password"));
  });
}

TEST_CASE("redis: a host name is resolved asynchronously") {
  run_loop([](asio::any_io_executor ex) -> asio::awaitable<void> {
    RedisUrl url = test_url();
    url.host = "localhost";
    RedisClient redis(ex, url, fast());
    REQUIRE(co_await eventually([&] { return redis.connected(); }));
    co_await redis.ping();
  });
}

TEST_CASE("redis: commands fail at once while nothing listens") {
  run_loop([](asio::any_io_executor ex) -> asio::awaitable<void> {
    RedisClient redis(ex, RedisUrl::parse("redis://127.0.0.1:1/0"), fast());
    REQUIRE(co_await eventually([&] { return !redis.last_error().empty(); }));
    auto start = Clock::now();
    auto error = co_await error_of(redis.command("PING"));
    auto took = Clock::now() - start;
    REQUIRE(error);
    CHECK(error->kind() == Kind::unavailable);
    CAPTURE(error->what());
    CHECK(contains(error->what(), "refused"));
    CHECK(took < 100ms);
  });
}

TEST_CASE("redis: close() fails the commands in flight and leaves no work behind") {
  run_loop([](asio::any_io_executor ex) -> asio::awaitable<void> {
    RedisClient redis(ex, test_url(), fast());
    REQUIRE(co_await eventually([&] { return redis.connected(); }));
    int unavailable = 0, other = 0;
    for (int i = 0; i < 100; ++i)
      asio::co_spawn(ex, error_of(redis.command("PING")), [&](auto, std::optional<RedisError> e) {
        ++(e && e->kind() == Kind::unavailable ? unavailable : other);
      });
    co_await asio::post(ex, asio::use_awaitable);  // behind all 100
    CHECK(redis.in_flight() == 100);
    redis.close();
    REQUIRE(co_await eventually([&] { return unavailable + other == 100; }));
    CHECK(unavailable == 100);
    auto after = co_await error_of(redis.command("PING"));
    REQUIRE(after);
    CHECK(contains(after->what(), "client closed"));
  });
}

TEST_CASE("redis: pub/sub delivers binary messages to the subscribed channels") {
  run_loop([](asio::any_io_executor ex) -> asio::awaitable<void> {
    RedisSubscriber sub(ex, test_url(), fast());
    RedisClient redis(ex, test_url(), fast());
    std::vector<std::pair<std::string, std::string>> got;
    auto record = [&](std::string_view channel, std::string_view message) {
      got.emplace_back(channel, message);
    };
    sub.subscribe("tern:test:redis:chan", record);
    REQUIRE(
        co_await eventually([&] { return sub.active_subscriptions() == 1 && redis.connected(); }));

    const std::string binary("a\0b\r\n", 5);
    CHECK((co_await redis.command("PUBLISH", "tern:test:redis:chan", "hello")).as_integer() == 1);
    CHECK((co_await redis.command("PUBLISH", "tern:test:redis:other", "not ours")).as_integer() ==
          0);
    CHECK((co_await redis.command("PUBLISH", "tern:test:redis:chan", binary)).as_integer() == 1);
    REQUIRE(co_await eventually([&] { return got.size() == 2; }));
    CHECK(got[0] == std::pair<std::string, std::string>("tern:test:redis:chan", "hello"));
    CHECK(got[1].second == binary);

    sub.subscribe("tern:test:redis:chan2", record);  // while connected
    REQUIRE(co_await eventually([&] { return sub.active_subscriptions() == 2; }));
    co_await redis.command("PUBLISH", "tern:test:redis:chan2", "second");
    REQUIRE(co_await eventually([&] { return got.size() == 3; }));
    CHECK(got[2].first == "tern:test:redis:chan2");
  });
}

namespace {

struct Tally {
  std::atomic<int> ok{0}, unavailable{0}, timeout{0}, other{0};
};

asio::awaitable<void> hammer(RedisClient& redis, Tally& tally, const std::atomic<bool>& stop) {
  while (!stop) {
    try {
      (void)(co_await redis.command("INCR", "tern:test:redis:hammer")).as_integer();
      ++tally.ok;
      continue;
    } catch (const RedisError& e) {
      ++(e.kind() == Kind::unavailable ? tally.unavailable
         : e.kind() == Kind::timeout   ? tally.timeout
                                       : tally.other);
    }
    co_await sleep_for(5ms);
  }
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  for (auto deadline = Clock::now() + limit; !done(); std::this_thread::sleep_for(10ms))
    if (Clock::now() > deadline) return false;
  return true;
}

}  // namespace

TEST_CASE("redis fault: the server stops under load, then comes back; the client follows") {
  RedisUrl url = test_url();
  RestartRedisAtEnd restart;
  asio::io_context io(1);
  auto work = asio::make_work_guard(io);
  RedisClient redis(io.get_executor(), url, fast());
  RedisOptions patient = fast();
  patient.command_timeout = 60s;
  RedisClient blocker(io.get_executor(), url, patient);  // BLPOP: surely in flight at the stop

  Tally tally;
  std::atomic<bool> stop{false}, blocked{false}, blocker_back{false};
  std::atomic<int> blpop_kind{-1};
  for (int i = 0; i < 20; ++i)
    asio::co_spawn(io, hammer(redis, tally, stop), asio::detached);
  auto blpop = [&]() -> asio::awaitable<void> {
    while (!blocker.connected())
      co_await sleep_for(10ms);
    blocked = true;
    auto error = co_await error_of(blocker.command("BLPOP", "tern:test:redis:never", 0));
    blpop_kind = error ? static_cast<int>(error->kind()) : 100;
    while (!blocker.connected() && !stop)
      co_await sleep_for(10ms);
    blocker_back = blocker.connected();
  };
  asio::co_spawn(io, blpop(), asio::detached);
  std::thread loop([&] { io.run(); });

  REQUIRE(wait_for([&] { return tally.ok > 200 && blocked; }, 5s));
  std::this_thread::sleep_for(50ms);
  svc("redis-stop");
  CHECK(wait_for([&] { return blpop_kind != -1; }, 5s));
  CHECK(blpop_kind == static_cast<int>(Kind::unavailable));

  // While it is down, a command fails at once instead of waiting.
  std::atomic<long long> probe_us{-1};
  std::atomic<int> probe_kind{-1};
  auto probe = [&]() -> asio::awaitable<void> {
    auto start = Clock::now();
    auto error = co_await error_of(redis.command("PING"));
    probe_kind = error ? static_cast<int>(error->kind()) : 100;
    probe_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  };
  asio::co_spawn(io, probe(), asio::detached);
  REQUIRE(wait_for([&] { return probe_us >= 0; }, 5s));
  CHECK(probe_kind == static_cast<int>(Kind::unavailable));
  CHECK(probe_us < 100'000);

  int ok_while_down = tally.ok;
  svc("redis-start");
  CHECK(wait_for([&] { return tally.ok > ok_while_down + 200; }, 10s));
  CHECK(wait_for([&] { return blocker_back.load(); }, 10s));

  stop = true;
  asio::post(io, [&] {
    redis.close();
    blocker.close();
  });
  work.reset();
  loop.join();  // returns only once the closed clients left no work behind
  CHECK(tally.other == 0);
  CHECK(tally.timeout == 0);
  CHECK(tally.unavailable > 0);
  CHECK(redis.reconnects() >= 1);
  CHECK(blocker.reconnects() >= 1);
}

TEST_CASE("redis fault: the subscriber subscribes again after a restart") {
  RestartRedisAtEnd restart;
  run_loop([](asio::any_io_executor ex) -> asio::awaitable<void> {
    RedisSubscriber sub(ex, test_url(), fast());
    int received = 0;
    sub.subscribe("tern:test:redis:fault", [&](std::string_view, std::string_view) { ++received; });
    REQUIRE(co_await eventually([&] { return sub.active_subscriptions() == 1; }));

    svc("redis-stop");  // blocks the loop meanwhile; the subscriber sees EOF after
    REQUIRE(co_await eventually([&] { return !sub.connected(); }));
    svc("redis-start");
    REQUIRE(co_await eventually([&] { return sub.active_subscriptions() == 1; }, 10s));
    CHECK(sub.reconnects() == 1);

    RedisClient redis(ex, test_url(), fast());
    REQUIRE(co_await eventually([&] { return redis.connected(); }));
    CHECK((co_await redis.command("PUBLISH", "tern:test:redis:fault", "back")).as_integer() == 1);
    REQUIRE(co_await eventually([&] { return received == 1; }));
  });
}

TEST_CASE("redis fault: a hung server times commands out, and the client recovers") {
  const char* dir = std::getenv("TERN_TEST_SERVICES_DIR");
  REQUIRE_MESSAGE(dir != nullptr, "TERN_TEST_SERVICES_DIR is not set (scripts/test sets it)");
  std::string pid = std::string("$(cat '") + dir + "/redis.pid')";
  struct Resume {  // SIGCONT however the test ends
    std::string pid;
    ~Resume() { (void)std::system(("kill -CONT " + pid).c_str()); }
  } resume{pid};

  run_loop([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    RedisOptions options = fast();
    options.command_timeout = 300ms;
    options.connect_timeout = 300ms;
    RedisClient redis(ex, test_url(), options);
    REQUIRE(co_await eventually([&] { return redis.connected(); }));
    co_await redis.ping();

    REQUIRE(std::system(("kill -STOP " + pid).c_str()) == 0);
    auto start = Clock::now();
    auto error = co_await error_of(redis.command("PING"));
    auto took = Clock::now() - start;
    REQUIRE(error);
    CHECK(error->kind() == Kind::timeout);
    CAPTURE(error->what());
    CHECK(contains(error->what(), "no reply within 300 ms"));
    CHECK(took >= 300ms);
    CHECK(took < 1500ms);
    // Reconnecting cannot finish (the handshake gets no answer), so commands
    // meanwhile fail at once.
    auto meanwhile = co_await error_of(redis.command("PING"));
    REQUIRE(meanwhile);
    CHECK(meanwhile->kind() == Kind::unavailable);

    REQUIRE(std::system(("kill -CONT " + pid).c_str()) == 0);
    REQUIRE(co_await eventually([&] { return redis.connected(); }));
    co_await redis.ping();
    CHECK(redis.reconnects() >= 1);
  });
}
