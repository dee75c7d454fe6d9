#include "core/thread_pool.hpp"

#include <sys/resource.h>
#include <unistd.h>

namespace tern {

ThreadPool::ThreadPool(unsigned threads, std::size_t max_queue, PoolOptions options)
    : max_queue_(max_queue), options_(options) {
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i)
    threads_.emplace_back([this] {
      // The CPU pool sits below the loop threads in the scheduler's eyes:
      // when hashing saturates every core, a loop thread that wakes for a
      // request runs first, so latency of cheap requests holds up during a
      // login storm. (Linux's nice is per thread; failure only costs that
      // preference.)
      if (options_.nice != 0) setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), options_.nice);
      work();
    });
}

ThreadPool::~ThreadPool() {
  join();
}

void ThreadPool::join() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

bool ThreadPool::try_post_keep(std::unique_ptr<Job>& job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queue_) {
      metrics_.refused.add();
      return false;
    }
    queue_.push_back({std::chrono::steady_clock::now(), std::move(job)});
    depth_.store(queue_.size(), std::memory_order_relaxed);
  }
  cv_.notify_one();
  return true;
}

void ThreadPool::work() {
  for (;;) {
    Queued next;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      next = std::move(queue_.front());
      queue_.pop_front();
      depth_.store(queue_.size(), std::memory_order_relaxed);
    }
    using std::chrono::duration_cast;
    using std::chrono::microseconds;
    auto started = std::chrono::steady_clock::now();
    metrics_.wait.observe(duration_cast<microseconds>(started - next.queued_at));
    next.job->run();
    metrics_.run.observe(duration_cast<microseconds>(std::chrono::steady_clock::now() - started));
    metrics_.jobs.add();
  }
}

}  // namespace tern
