#include "core/metrics.hpp"

#include <unistd.h>
#include <cstdio>

#include <fstream>
#include <iterator>
#include <tuple>

namespace tern::metrics {
namespace {

constexpr auto kStatusTable = [] {
  std::array<std::uint8_t, 600> t{};
  t.fill(static_cast<std::uint8_t>(kStatuses.size()));
  for (std::size_t i = 0; i < kStatuses.size(); ++i)
    t[static_cast<std::size_t>(kStatuses[i])] = static_cast<std::uint8_t>(i);
  return t;
}();

// "0.0025": seconds from microseconds, without exponent or trailing zeros.
std::string seconds(std::uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llu.%06llu", static_cast<unsigned long long>(us / 1'000'000),
                static_cast<unsigned long long>(us % 1'000'000));
  std::string s(buf);
  while (s.back() == '0')
    s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// A label value, escaped as the text format wants (\\, \", \n).
std::string label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

class Text {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    head(name, labels);
    out_ += std::to_string(value);
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, double value) {
    head(name, labels);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    out_ += buf;
    out_ += '\n';
  }
  void sample_text(std::string_view name, std::string_view labels, std::string_view value) {
    head(name, labels);
    out_ += value;
    out_ += '\n';
  }
  // Per-bucket counts (the last is +Inf) and the sum, as a histogram.
  template <class Buckets>
  void histogram(std::string_view name, std::string_view labels, const Buckets& buckets,
                 std::uint64_t sum_us) {
    std::uint64_t running = 0;
    std::string with = labels.empty() ? std::string() : std::string(labels) + ",";
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      running += buckets[i];
      std::string le = i < kLatencyBoundsUs.size() ? seconds(kLatencyBoundsUs[i]) : "+Inf";
      sample(std::string(name) + "_bucket", with + label("le", le), running);
    }
    sample_text(std::string(name) + "_sum", labels, seconds(sum_us));
    sample(std::string(name) + "_count", labels, running);
  }
  std::string take() { return std::move(out_); }

 private:
  void head(std::string_view name, std::string_view labels) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
  }
  std::string out_;
};

using Buckets = std::array<std::uint64_t, kLatencyBoundsUs.size() + 1>;

template <class H>
void add_into(Buckets& b, std::uint64_t& sum, const H& h) {
  for (std::size_t i = 0; i < b.size(); ++i)
    b[i] += h.bucket(i);
  sum += h.sum_us();
}

// Resident memory and CPU time from /proc/self/stat (no disk behind it).
struct ProcessStat {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  bool ok = false;
};

ProcessStat process_stat() {
  ProcessStat s;
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return s;
  unsigned long long utime = 0, stime = 0;
  long long rss = 0;
  // After ") ": state(3) ... utime(14) stime(15) ... rss(24).
  if (std::sscanf(text.c_str() + paren + 2,
                  "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d "
                  "%*u %*u %lld",
                  &utime, &stime, &rss) != 3)
    return s;
  double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.cpu_seconds = static_cast<double>(utime + stime) / tick;
  s.resident_bytes = static_cast<double>(rss) * static_cast<double>(sysconf(_SC_PAGESIZE));
  s.ok = true;
  return s;
}

}  // namespace

std::size_t status_slot(int status) {
  if (status < 0 || status >= static_cast<int>(kStatusTable.size())) return kStatuses.size();
  return kStatusTable[static_cast<std::size_t>(status)];
}

std::size_t service_slot(std::string_view service) {
  for (std::size_t i = 0; i + 1 < kServices.size(); ++i)
    if (kServices[i] == service) return i;
  return kServices.size() - 1;
}

LoopMetrics& Metrics::add_loop() {
  loops_.push_back(std::make_unique<LoopMetrics>(route_names_.size()));
  return *loops_.back();
}

std::string Metrics::render() const {
  Text t;
  const std::size_t routes = route_names_.size() + 2;
  // "GET /api/posts/:id" becomes method="GET",route="/api/posts/:id";
  // the two catch-alls have a route only.
  auto route_label = [&](std::size_t r) {
    if (r == route_names_.size()) return label("route", "(unmatched)");
    if (r > route_names_.size()) return label("route", "(unrouted)");
    std::string_view name = route_names_[r];
    auto space = name.find(' ');
    return label("method", name.substr(0, space)) + "," + label("route", name.substr(space + 1));
  };

  t.family("tern_http_requests_total", "counter",
           "Requests answered, by route (method and pattern) and status.");
  for (std::size_t r = 0; r < routes; ++r) {
    for (std::size_t s = 0; s <= kStatuses.size(); ++s) {
      std::uint64_t n = 0;
      for (const auto& loop : loops_)
        n += loop->routes[r].by_status[s].get();
      if (n == 0) continue;
      std::string status = s < kStatuses.size() ? std::to_string(kStatuses[s]) : "other";
      t.sample("tern_http_requests_total", route_label(r) + "," + label("status", status), n);
    }
  }
  t.family("tern_http_request_duration_seconds", "histogram",
           "From the first byte of a request to its response being queued, by route.");
  for (std::size_t r = 0; r < routes; ++r) {
    Buckets b{};
    std::uint64_t sum = 0;
    for (const auto& loop : loops_)
      add_into(b, sum, loop->routes[r].latency);
    std::uint64_t count = 0;
    for (auto n : b)
      count += n;
    if (count) t.histogram("tern_http_request_duration_seconds", route_label(r), b, sum);
  }

  auto total = [&](auto member) {
    std::uint64_t n = 0;
    for (const auto& loop : loops_)
      n += ((*loop).*member).get();
    return n;
  };
  t.family("tern_http_connections_accepted_total", "counter", "Connections accepted.");
  t.sample("tern_http_connections_accepted_total", "", total(&LoopMetrics::accepted));
  t.family("tern_http_connections_refused_total", "counter",
           "Connections refused at accept: the process limit or the per-address limit.");
  t.sample("tern_http_connections_refused_total", label("reason", "full"),
           total(&LoopMetrics::refused_full));
  t.sample("tern_http_connections_refused_total", label("reason", "address"),
           total(&LoopMetrics::refused_address));
  t.family("tern_http_connections_timed_out_total", "counter",
           "Connections closed at a deadline (head, body, idle or write).");
  t.sample("tern_http_connections_timed_out_total", "", total(&LoopMetrics::timed_out));
  t.family("tern_tls_handshakes_total", "counter",
           "TLS handshakes, by outcome (failed: refused, cut at the head deadline, plain HTTP).");
  t.sample("tern_tls_handshakes_total", label("outcome", "ok"),
           total(&LoopMetrics::tls_handshakes));
  t.sample("tern_tls_handshakes_total", label("outcome", "failed"),
           total(&LoopMetrics::tls_handshake_failures));

  t.family("tern_event_loop_lag_seconds", "histogram",
           "How late each event loop's 100 ms ticker fired.");
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    Buckets b{};
    std::uint64_t sum = 0;
    add_into(b, sum, loops_[i]->lag);
    t.histogram("tern_event_loop_lag_seconds", label("loop", std::to_string(i)), b, sum);
  }
  t.family("tern_event_loop_lag_last_seconds", "gauge", "The lag of each loop's latest tick.");
  for (std::size_t i = 0; i < loops_.size(); ++i)
    t.sample_text("tern_event_loop_lag_last_seconds", label("loop", std::to_string(i)),
                  seconds(loops_[i]->lag_last_us.get()));

  t.family("tern_backing_unavailable_total", "counter",
           "Requests answered 503 because a backing service was unavailable, by service.");
  for (std::size_t s = 0; s < kServices.size(); ++s) {
    std::uint64_t n = 0;
    for (const auto& loop : loops_)
      n += loop->unavailable[s].get();
    t.sample("tern_backing_unavailable_total", label("service", kServices[s]), n);
  }

  t.family("tern_pg_queries_total", "counter", "Statements sent to PostgreSQL.");
  t.sample("tern_pg_queries_total", "", total(&LoopMetrics::pg_queries));
  t.family("tern_pg_connects_total", "counter", "PostgreSQL connections made (reconnects too).");
  t.sample("tern_pg_connects_total", "", total(&LoopMetrics::pg_connects));
  t.family("tern_pg_connections", "gauge", "PostgreSQL connections of the loops' pools, by state.");
  t.sample("tern_pg_connections", label("state", "size"), total(&LoopMetrics::pg_size));
  t.sample("tern_pg_connections", label("state", "ready"), total(&LoopMetrics::pg_ready));
  t.sample("tern_pg_connections", label("state", "reserved"), total(&LoopMetrics::pg_reserved));
  t.family("tern_pg_in_flight", "gauge", "Statements sent to PostgreSQL and not yet answered.");
  t.sample("tern_pg_in_flight", "", total(&LoopMetrics::pg_in_flight));
  t.family("tern_redis_commands_total", "counter", "Commands sent to Redis.");
  t.sample("tern_redis_commands_total", "", total(&LoopMetrics::redis_commands));
  t.family("tern_redis_reconnects_total", "counter", "Redis reconnections.");
  t.sample("tern_redis_reconnects_total", "", total(&LoopMetrics::redis_reconnects));
  t.family("tern_redis_connected", "gauge", "Loops whose Redis connection is up.");
  t.sample("tern_redis_connected", "", total(&LoopMetrics::redis_connected));
  t.family("tern_redis_in_flight", "gauge", "Redis commands sent and not yet answered.");
  t.sample("tern_redis_in_flight", "", total(&LoopMetrics::redis_in_flight));

  t.family("tern_sessions_checked_total", "counter", "Session cookies checked, by outcome.");
  t.sample("tern_sessions_checked_total", label("outcome", "valid"),
           total(&LoopMetrics::sessions_valid));
  t.sample("tern_sessions_checked_total", label("outcome", "absent"),
           total(&LoopMetrics::sessions_absent));
  t.sample("tern_sessions_checked_total", label("outcome", "invalid"),
           total(&LoopMetrics::sessions_invalid));
  t.family("tern_tokens_checked_total", "counter", "Bearer tokens checked, by outcome.");
  t.sample("tern_tokens_checked_total", label("outcome", "valid"),
           total(&LoopMetrics::tokens_valid));
  t.sample("tern_tokens_checked_total", label("outcome", "expired"),
           total(&LoopMetrics::tokens_expired));
  t.sample("tern_tokens_checked_total", label("outcome", "invalid"),
           total(&LoopMetrics::tokens_invalid));
  t.sample("tern_tokens_checked_total", label("outcome", "revoked"),
           total(&LoopMetrics::tokens_revoked));

  t.family("tern_pool_jobs_total", "counter", "Jobs run by each worker pool.");
  for (const auto& [name, pool] : pools_)
    t.sample("tern_pool_jobs_total", label("pool", name), pool->jobs.get());
  t.family("tern_pool_refused_total", "counter", "Jobs refused because a pool's queue was full.");
  for (const auto& [name, pool] : pools_)
    t.sample("tern_pool_refused_total", label("pool", name), pool->refused.get());
  for (auto [family, help, which] :
       {std::tuple{"tern_pool_queue_wait_seconds", "Time a job waited in its pool's queue.", 0},
        std::tuple{"tern_pool_job_seconds", "Time a job ran on a pool thread.", 1}}) {
    t.family(family, "histogram", help);
    for (const auto& [name, pool] : pools_) {
      Buckets b{};
      std::uint64_t sum = 0;
      add_into(b, sum, which == 0 ? pool->wait : pool->run);
      t.histogram(family, label("pool", name), b, sum);
    }
  }

  t.family("tern_thumbnails_total", "counter", "Thumbnails made and failed.");
  t.sample("tern_thumbnails_total", label("outcome", "made"), thumbnails_made.get());
  t.sample("tern_thumbnails_total", label("outcome", "failed"), thumbnails_failed.get());

  // Sources read now; samples of one name are one family.
  for (std::size_t i = 0; i < samples_.size(); ++i) {
    const auto& s = samples_[i];
    if (i == 0 || samples_[i - 1].name != s.name) t.family(s.name, s.type, s.help);
    t.sample(s.name, s.labels, s.value());
  }

  if (auto p = process_stat(); p.ok) {
    t.family("process_cpu_seconds_total", "counter", "User and system CPU time of the process.");
    t.sample("process_cpu_seconds_total", "", p.cpu_seconds);
    t.family("process_resident_memory_bytes", "gauge", "Resident memory of the process.");
    t.sample("process_resident_memory_bytes", "", p.resident_bytes);
  }
  return t.take();
}

}  // namespace tern::metrics
