#include <doctest/doctest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "core/backoff.hpp"
#include "core/thread_pool.hpp"

using tern::PoolFull;
using tern::ThreadPool;

TEST_CASE("a job runs on the pool and resumes on the caller's thread") {
  ThreadPool pool(2, 16);
  asio::io_context io;
  std::thread::id loop_id, job_id, resumed_id;
  int result = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        loop_id = std::this_thread::get_id();
        result = co_await pool.run([&] {
          job_id = std::this_thread::get_id();
          return 42;
        });
        resumed_id = std::this_thread::get_id();
      },
      asio::detached);
  io.run();
  CHECK(result == 42);
  CHECK(job_id != loop_id);
  CHECK(resumed_id == loop_id);
}

TEST_CASE("exceptions from jobs reach the awaiting coroutine") {
  ThreadPool pool(1, 4);
  asio::io_context io;
  std::string caught;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await pool.run([]() -> int { throw std::runtime_error("boom"); });
        } catch (const std::runtime_error& e) {
          caught = e.what();
        }
      },
      asio::detached);
  io.run();
  CHECK(caught == "boom");
}

TEST_CASE("a full queue answers PoolFull at once") {
  ThreadPool pool(1, 1);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<bool> started{false};
  // Occupy the only thread, then fill the only queue slot.
  REQUIRE(pool.try_post([&, released] {
    started = true;
    released.wait();
  }));
  while (!started)
    std::this_thread::yield();
  REQUIRE(pool.try_post([] {}));
  CHECK(pool.queue_depth() == 1);

  asio::io_context io;
  bool full = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await pool.run([] { return 1; });
        } catch (const PoolFull&) {
          full = true;
        }
      },
      asio::detached);
  io.run();
  CHECK(full);
  release.set_value();
}

TEST_CASE("void jobs") {
  ThreadPool pool(1, 4);
  asio::io_context io;
  std::atomic<int> n{0};
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await pool.run([&] { n += 1; });
        co_await pool.run([&] { n += 1; });
      },
      asio::detached);
  io.run();
  CHECK(n == 2);
}

TEST_CASE("pool threads run below the loop threads' priority") {
  tern::ThreadPool pool(1, 4);
  asio::io_context io;
  int nice_in_pool = -100;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto job = [] { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); };
        nice_in_pool = co_await pool.run(std::move(job));
      },
      asio::detached);
  io.run();
  CHECK(nice_in_pool >= tern::PoolOptions{}.nice);
  CHECK(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())) < nice_in_pool);  // caller untouched
}

TEST_CASE("two pools: a saturated CPU pool delays no I/O job, and a full one names itself") {
  tern::ThreadPool cpu(1, 1, {.name = "CPU pool", .nice = 10});
  tern::ThreadPool io_pool(1, 4, {.name = "I/O pool", .nice = 0});
  asio::io_context io;
  std::chrono::steady_clock::duration io_wait{};
  std::string refusal;
  int io_nice = -100;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // One hash-like job running, one queued: the CPU pool is full.
        CHECK(cpu.try_post([] { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }));
        while (cpu.queue_depth() > 0)  // the thread has taken it
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        CHECK(cpu.try_post([] { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }));
        try {
          auto more = [] { return 1; };
          co_await cpu.run(std::move(more));
        } catch (const tern::PoolFull& e) {
          refusal = e.service();
        }
        auto start = std::chrono::steady_clock::now();
        auto write = [] { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); };
        io_nice = co_await io_pool.run(std::move(write));
        io_wait = std::chrono::steady_clock::now() - start;
      },
      asio::detached);
  io.run();
  CHECK(refusal == "CPU pool");
  CHECK(io_wait < std::chrono::milliseconds(100));  // not behind 600 ms of CPU jobs
  CHECK(io_nice == getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())));
}

TEST_CASE("backoff: doubles to its cap with jitter in [d/2, d], and starts over on reset") {
  using std::chrono::milliseconds;
  tern::Backoff b(milliseconds(50), milliseconds(400));
  for (int round = 0; round < 2; ++round) {
    for (int d : {50, 100, 200, 400, 400, 400}) {
      auto got = b.next();
      CHECK(got >= milliseconds(d / 2));
      CHECK(got <= milliseconds(d));
    }
    b.reset();
  }
}
