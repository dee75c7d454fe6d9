// Metrics: counters each event loop keeps for itself, summed only when
// Prometheus scrapes (GET /metrics).
//
// The hot path takes no lock and makes no locked instruction: a loop's
// counters are written by that loop's thread alone (a relaxed load and store,
// which compile to a plain add) and read by whichever thread renders the
// scrape. Work shared by many threads (the worker pools, thumbnails) uses
// SharedCounter, an atomic add; it happens once per job, never per byte.
//
// What is counted is tern's, so the families are fields here rather than a
// registry of names: LoopMetrics is one loop's, Metrics the process's.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tern::metrics {

// Written by one thread, read by any.
class Counter {
 public:
  void add(std::uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void set(std::uint64_t n) { value_.store(n, std::memory_order_relaxed); }  // for gauges
  std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Written and read by any thread.
class SharedCounter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Upper bounds of the latency buckets, in microseconds (0.1 ms to 10 s).
inline constexpr std::array<std::uint64_t, 14> kLatencyBoundsUs = {
    100,    250,    500,     1'000,   2'500,     5'000,     10'000,
    25'000, 50'000, 100'000, 250'000, 1'000'000, 2'500'000, 10'000'000};

// A latency histogram on kLatencyBoundsUs; buckets are stored per bucket
// and made cumulative when rendered.
template <class C>
class BasicHistogram {
 public:
  void observe(std::chrono::microseconds d) {
    auto us = static_cast<std::uint64_t>(d.count() < 0 ? 0 : d.count());
    std::size_t i = 0;
    while (i < kLatencyBoundsUs.size() && us > kLatencyBoundsUs[i])
      ++i;
    buckets_[i].add();
    sum_us_.add(us);
  }
  std::uint64_t bucket(std::size_t i) const {
    return buckets_[i].get();
  }  // i ≤ bounds (last: +Inf)
  std::uint64_t sum_us() const { return sum_us_.get(); }

 private:
  std::array<C, kLatencyBoundsUs.size() + 1> buckets_;
  C sum_us_;
};
using Histogram = BasicHistogram<Counter>;
using SharedHistogram = BasicHistogram<SharedCounter>;

// The status codes counted one by one; any other lands in "other".
inline constexpr std::array<int, 33> kStatuses = {
    101, 200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 408, 409, 410, 411,
    412, 413, 414, 415, 416, 417, 419, 422, 429, 431, 500, 501, 502, 503, 504, 505};
std::size_t status_slot(int status);  // index into kStatuses, or kStatuses.size()

struct RouteMetrics {
  std::array<Counter, kStatuses.size() + 1> by_status;
  Histogram latency;
};

// The services a BackingError can name (core/backing_error.hpp).
inline constexpr std::array<std::string_view, 5> kServices = {"database", "redis", "CPU pool",
                                                              "I/O pool", "other"};
std::size_t service_slot(std::string_view service);

// One event loop's counters. `routes` are the router's routes in the order
// of Metrics::route_names(), then "(unmatched)" for requests no route
// matched (static files, 404, 405) and "(unrouted)" for those that never
// reached routing (a malformed head, a head too slow to arrive).
struct LoopMetrics {
  explicit LoopMetrics(std::size_t route_count)
      : routes(new RouteMetrics[route_count + 2]), route_count(route_count + 2) {}
  std::unique_ptr<RouteMetrics[]> routes;
  const std::size_t route_count;
  RouteMetrics& unmatched() { return routes[route_count - 2]; }
  RouteMetrics& unrouted() { return routes[route_count - 1]; }

  // Connections (http/server.cpp, http/connection.cpp).
  Counter accepted, refused_full, refused_address, timed_out;
  Counter tls_handshakes, tls_handshake_failures;  // TLS listeners only
  // How late the loop's 100 ms ticker fired: the loop's lag.
  Histogram lag;
  Counter lag_last_us;
  // 503s by the service that was unavailable (render_error).
  std::array<Counter, kServices.size()> unavailable;
  // This loop's PostgreSQL pool and Redis client, copied from them every
  // second by the loop's services (they are plain, loop-owned numbers).
  Counter pg_queries, pg_connects, pg_ready, pg_reserved, pg_in_flight, pg_size;
  Counter redis_commands, redis_reconnects, redis_connected, redis_in_flight;
  // Session cookies and bearer tokens checked, by outcome.
  Counter sessions_valid, sessions_absent, sessions_invalid;
  Counter tokens_valid, tokens_expired, tokens_invalid, tokens_revoked;
};

// A worker pool's jobs (core/thread_pool.hpp).
struct PoolMetrics {
  SharedCounter jobs, refused;
  SharedHistogram wait, run;  // queued → started, started → done
};

// The process's metrics: every loop's block, and sources of gauges read at
// scrape time (open connections, queue depths). Everything is added before
// the loop threads start (the server adds its loops in start()); after that
// the registry is only read, so rendering needs no lock.
class Metrics {
 public:
  void set_route_names(std::vector<std::string> names) { route_names_ = std::move(names); }
  const std::vector<std::string>& route_names() const { return route_names_; }
  LoopMetrics& add_loop();

  // A gauge or counter read when rendering: `name` with optional `labels`
  // ("pool=\"cpu\""); the value is called on the scraping thread.
  struct Sample {
    std::string name, help, type;  // type: "gauge" or "counter"
    std::string labels;
    std::function<double()> value;
  };
  void add_sample(Sample sample) { samples_.push_back(std::move(sample)); }
  void add_pool(std::string name, const PoolMetrics& pool) {
    pools_.push_back({std::move(name), &pool});
  }

  // Thumbnails (handlers/thumbnailer.cpp).
  SharedCounter thumbnails_made, thumbnails_failed;

  // The Prometheus text exposition (version 0.0.4) of everything above.
  std::string render() const;

 private:
  std::vector<std::string> route_names_;
  std::vector<std::unique_ptr<LoopMetrics>> loops_;
  std::vector<Sample> samples_;
  std::vector<std::pair<std::string, const PoolMetrics*>> pools_;
};

}  // namespace tern::metrics
