// dbbench: drives our PostgreSQL pool (and Redis client) flat out, for
// comparison with pgbench and redis-benchmark in the same run (bench/db/run).
//
//   dbbench pg    URL THREADS CONNECTIONS CONCURRENCY SECONDS ROWS
//   dbbench redis URL THREADS CONCURRENCY SECONDS
//
// pg: THREADS event loops, each with a PgPool of CONNECTIONS/THREADS
// connections and CONCURRENCY/THREADS coroutines, each running pgbench's -S
// query (SELECT abalance FROM pgbench_accounts WHERE aid = random) in a loop.
// redis: one client (one connection) per loop, GET of a fixed key.
// Prints one line: "<ops> ops in <s> s = <ops/s> ops/s, <errors> errors".
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "db/pg_pool.hpp"
#include "db/redis_client.hpp"
#include "core/redis_url.hpp"

namespace {

using Clock = std::chrono::steady_clock;

const tern::db::Statement kSelect{"bench_select",
                                  "SELECT abalance FROM pgbench_accounts WHERE aid = $1"};

std::atomic<std::uint64_t> total_ops{0}, total_errors{0};

struct Counters {
  std::uint64_t ops = 0, errors = 0;
};

asio::awaitable<void> pg_worker(tern::db::PgPool& pool, Clock::time_point end, long rows,
                                unsigned seed, Counters& counters) {
  std::minstd_rand rng(seed);
  std::uniform_int_distribution<long> aid(1, rows);
  while (Clock::now() < end) {
    try {
      auto r = co_await pool.query(kSelect, aid(rng));
      counters.ops += r.size() == 1;
    } catch (const std::exception&) {
      ++counters.errors;
    }
  }
}

void pg_loop(const std::string& url, unsigned connections, unsigned concurrency, int seconds,
             long rows, unsigned index) {
  asio::io_context io(1);
  tern::db::PgOptions options;
  options.url = url;
  options.connections = connections;
  tern::db::PgPool pool(io.get_executor(), options);
  pool.start();
  Counters counters;
  unsigned remaining = concurrency;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        if (!co_await pool.wait_ready(std::chrono::seconds(10))) {
          std::fprintf(stderr, "dbbench: PostgreSQL not ready\n");
          std::exit(1);
        }
        auto end = Clock::now() + std::chrono::seconds(seconds);
        auto ex = co_await asio::this_coro::executor;
        for (unsigned i = 0; i < concurrency; ++i)
          asio::co_spawn(ex, pg_worker(pool, end, rows, index * 1000 + i, counters),
                         [&](std::exception_ptr) {
                           if (--remaining == 0) pool.close();
                         });
      },
      asio::detached);
  io.run();
  total_ops += counters.ops;
  total_errors += counters.errors;
}

asio::awaitable<void> redis_worker(tern::db::RedisClient& client, Clock::time_point end,
                                   Counters& counters) {
  while (Clock::now() < end) {
    try {
      auto reply = co_await client.command("GET", "dbbench:key");
      counters.ops += !reply.is_error();
    } catch (const std::exception&) {
      ++counters.errors;
    }
  }
}

void redis_loop(const std::string& url, unsigned concurrency, int seconds) {
  asio::io_context io(1);
  tern::db::RedisClient client(io.get_executor(), tern::RedisUrl::parse(url));
  Counters counters;
  unsigned remaining = concurrency;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        asio::steady_timer wait(ex);
        for (int i = 0; i < 1000 && !client.connected(); ++i) {
          wait.expires_after(std::chrono::milliseconds(10));
          co_await wait.async_wait(asio::use_awaitable);
        }
        co_await client.command("SET", "dbbench:key", "xxx");
        auto end = Clock::now() + std::chrono::seconds(seconds);
        for (unsigned i = 0; i < concurrency; ++i)
          asio::co_spawn(ex, redis_worker(client, end, counters), [&](std::exception_ptr) {
            if (--remaining == 0) client.close();
          });
      },
      asio::detached);
  io.run();
  total_ops += counters.ops;
  total_errors += counters.errors;
}

int usage() {
  std::fprintf(stderr,
               "usage: dbbench pg URL THREADS CONNECTIONS CONCURRENCY SECONDS ROWS\n"
               "       dbbench redis URL THREADS CONCURRENCY SECONDS\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string mode = argv[1];
  std::vector<std::thread> loops;
  int seconds = 0;
  auto started = Clock::now();
  if (mode == "pg" && argc == 8) {
    std::string url = argv[2];
    unsigned threads = std::stoul(argv[3]), connections = std::stoul(argv[4]),
             concurrency = std::stoul(argv[5]);
    seconds = std::stoi(argv[6]);
    long rows = std::stol(argv[7]);
    for (unsigned t = 0; t < threads; ++t)
      loops.emplace_back(pg_loop, url, connections / threads, concurrency / threads, seconds, rows,
                         t);
  } else if (mode == "redis" && argc == 6) {
    std::string url = argv[2];
    unsigned threads = std::stoul(argv[3]), concurrency = std::stoul(argv[4]);
    seconds = std::stoi(argv[5]);
    for (unsigned t = 0; t < threads; ++t)
      loops.emplace_back(redis_loop, url, concurrency / threads, seconds);
  } else {
    return usage();
  }
  for (auto& t : loops)
    t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("%llu ops in %.2f s = %.0f ops/s, %llu errors\n",
              static_cast<unsigned long long>(total_ops.load()), elapsed,
              static_cast<double>(total_ops.load()) / seconds,
              static_cast<unsigned long long>(total_errors.load()));
  return total_errors.load() == 0 ? 0 : 1;
}
