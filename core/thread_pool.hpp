// A worker pool: a fixed set of threads for work that must never run on an
// event-loop thread. tern has two (see PoolOptions): the CPU pool (password
// hashing, image processing) and the I/O pool (blocking file reads and
// writes, log output). A coroutine awaits `pool.run(fn)`; fn runs on a pool
// thread and the coroutine resumes on its own executor, i.e. on the loop
// thread that asked.
//
// The queue is bounded. When it is full, run() throws PoolFull at once, which
// the HTTP layer answers with 503: under overload we shed work instead of
// letting latency grow without limit.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/backing_error.hpp"
#include "core/metrics.hpp"

namespace tern {

class PoolFull : public BackingError {
 public:
  explicit PoolFull(const char* pool = "worker pool") : BackingError(pool, "queue is full") {}
};

// tern runs two pools (DESIGN.md): the CPU pool for hashing and images, at
// a lower priority than the loops, and the I/O pool for blocking file and
// log writes, at the loops' priority since its work is short and mostly
// waiting. Separate, so that a stuck disk never delays a hash and a login
// storm never delays a log line or a static file.
struct PoolOptions {
  const char* name = "worker pool";  // for logs and 503s; a string literal
  int nice = 10;                     // added to the threads' nice value
};

class ThreadPool {
 public:
  ThreadPool(unsigned threads, std::size_t max_queue, PoolOptions options = {});
  ~ThreadPool();  // join()
  // Refuses new jobs, finishes the queued ones, joins the threads. A job's
  // completion is posted to the executor that awaited it, so call this while
  // those executors (the loops' io_contexts) still exist. Idempotent.
  void join();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // A unit of work; type-erased without requiring copyability, since the
  // completion handlers it carries are move-only.
  struct Job {
    virtual ~Job() = default;
    virtual void run() = 0;
  };

  // Queues a job; false (and the job is dropped) when the queue is full.
  bool try_post(std::unique_ptr<Job> job) { return try_post_keep(job); }

  // Queues a job; when the queue is full returns false and leaves `job` with
  // the caller, so it can still report the refusal.
  bool try_post_keep(std::unique_ptr<Job>& job);

  template <class F>
  bool try_post(F&& fn) {
    return try_post(std::unique_ptr<Job>(new FnJob<std::decay_t<F>>(std::forward<F>(fn))));
  }

  // Runs fn() on the pool; resumes the caller on its executor with the result,
  // or rethrows what fn threw. Throws PoolFull when the queue is full.
  // Returns asio::awaitable<R>, or awaitable<bool> when fn returns void.
  template <class F>
  auto run(F fn);

  std::size_t queue_depth() const { return depth_.load(std::memory_order_relaxed); }
  // Jobs run and refused, their wait and run times (GET /metrics).
  const metrics::PoolMetrics& metrics() const { return metrics_; }
  const char* name() const { return options_.name; }
  std::size_t threads() const { return threads_.size(); }

 private:
  template <class F>
  struct FnJob final : Job {
    explicit FnJob(F f) : fn(std::move(f)) {}
    void run() override { fn(); }
    F fn;
  };

  void work();

  const std::size_t max_queue_;
  const PoolOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  struct Queued {
    std::chrono::steady_clock::time_point queued_at;
    std::unique_ptr<Job> job;
  };
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::atomic<std::size_t> depth_{0};
  metrics::PoolMetrics metrics_;
  std::vector<std::thread> threads_;
};

namespace detail {

// A pool job that carries an awaiting coroutine's completion handler. It
// completes exactly once: with fn's outcome when run, or with PoolFull when the
// queue refused it.
template <class F, class Carried, class Handler, class Work>
struct AwaitedJob final : ThreadPool::Job {
  AwaitedJob(F f, Handler h, Work w)
      : fn(std::move(f)), handler(std::move(h)), work(std::move(w)) {}

  void run() override {
    std::exception_ptr error;
    Carried result{};
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<F>>)
        fn();
      else
        result = fn();
    } catch (...) {
      error = std::current_exception();
    }
    complete(std::move(error), std::move(result));
  }

  // The exception (if any) moves to the awaiting thread: the pool thread
  // keeps no reference to it, so the object is freed where it is used.
  // (Its count lives in uninstrumented libstdc++, where TSan cannot see the
  // atomics, so a last reference dropped here was reported as a race.)
  void complete(std::exception_ptr error, Carried result) {
    auto home = work.get_executor();
    asio::post(home, [h = std::move(handler), error = std::move(error),
                      r = std::move(result)]() mutable { h(std::move(error), std::move(r)); });
  }

  F fn;
  Handler handler;
  Work work;
};

}  // namespace detail

template <class F>
auto ThreadPool::run(F fn) {
  using R = std::invoke_result_t<F>;
  using Carried = std::conditional_t<std::is_void_v<R>, bool, R>;
  // Deliberately not a coroutine itself: the job and its handler are built
  // here and handed to asio, which suspends the caller until completion.
  auto initiate = [this](auto handler, F fn) {
    auto work = asio::make_work_guard(asio::get_associated_executor(handler));
    using Job = detail::AwaitedJob<F, Carried, decltype(handler), decltype(work)>;
    Job* raw = new Job(std::move(fn), std::move(handler), std::move(work));
    std::unique_ptr<ThreadPool::Job> job(raw);
    if (!try_post_keep(job))
      raw->complete(std::make_exception_ptr(PoolFull(options_.name)), Carried{});
  };
  return asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr, Carried)>(
      std::move(initiate), asio::use_awaitable, std::move(fn));
}

}  // namespace tern
