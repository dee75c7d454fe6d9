#include "core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <memory>
#include <thread>

#include "core/json_writer.hpp"
#include "core/thread_pool.hpp"

namespace tern::log {
namespace {

constexpr std::size_t kFlushAt = 64 << 10;   // hand over a batch at this size
constexpr std::size_t kBufferCap = 4 << 20;  // beyond this, lines are dropped

std::atomic<int> g_level{static_cast<int>(Level::info)};
Format g_format = Format::text;  // set once at start-up, before any thread logs
std::atomic<std::uint64_t> g_dropped{0};

void write_all(std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(STDERR_FILENO, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to; nothing better to do
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

struct ThreadBuffer {
  ThreadPool* pool = nullptr;
  std::string lines;
  // Set while a batch from this thread is being written by the pool.
  std::shared_ptr<std::atomic<bool>> in_flight = std::make_shared<std::atomic<bool>>(false);
};
thread_local ThreadBuffer t_buffer;

struct WriteJob final : ThreadPool::Job {
  WriteJob(std::string s, std::shared_ptr<std::atomic<bool>> f)
      : lines(std::move(s)), in_flight(std::move(f)) {}
  void run() override {
    write_all(lines);
    in_flight->store(false, std::memory_order_release);
  }
  std::string lines;
  std::shared_ptr<std::atomic<bool>> in_flight;
};

// "2026-11-22T10:00:00.123Z", with the part up to the seconds cached.
void append_time(std::string& out) {
  thread_local std::time_t cached_second = -1;
  thread_local char cached[24];
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t sec = static_cast<std::time_t>(ms / 1000);
  if (sec != cached_second) {
    std::tm tm{};
    gmtime_r(&sec, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = sec;
  }
  out += cached;
  char frac[6] = {
      '.', char('0' + ms % 1000 / 100), char('0' + ms % 100 / 10), char('0' + ms % 10), 'Z', ' '};
  out.append(frac, 6);
}

void emit(std::string_view line) {
  auto& b = t_buffer;
  if (!b.pool) {
    write_all(line);
    return;
  }
  if (b.lines.size() + line.size() > kBufferCap) {
    g_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  b.lines += line;
  if (b.lines.size() >= kFlushAt) flush_this_thread();
}

}  // namespace

void set_level(Level level) {
  g_level.store(static_cast<int>(level));
}

Level parse_level(std::string_view name) {
  if (name == "debug") return Level::debug;
  if (name == "warn") return Level::warn;
  if (name == "error") return Level::error;
  return Level::info;
}

bool enabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void set_format(Format format) {
  g_format = format;
}

namespace {

constexpr std::string_view kNames[] = {"debug", "info", "warn", "error"};

// {"time":"...","level":"...","msg":...  (the caller closes the object)
void begin_json(std::string& line, Level level, std::string_view message) {
  line += "{\"time\":\"";
  append_time(line);
  line.pop_back();  // append_time ends with a space for the text format
  line += "\",\"level\":\"";
  line += kNames[static_cast<int>(level)];
  line += "\",\"msg\":";
  JsonWriter::append_string(line, message);
}

void append_field(std::string& line, std::string_view name, std::string_view value) {
  line += ",\"";
  line += name;
  line += "\":";
  JsonWriter::append_string(line, value);
}

void append_field(std::string& line, std::string_view name, std::uint64_t value) {
  line += ",\"";
  line += name;
  line += "\":";
  line += std::to_string(value);
}

}  // namespace

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(48 + message.size());
  if (g_format == Format::json) {
    begin_json(line, level, message);
    line += "}\n";
  } else {
    append_time(line);
    line += kNames[static_cast<int>(level)];
    line += ' ';
    line += message;
    line += '\n';
  }
  emit(line);
}

void access(const Access& a) {
  if (!enabled(Level::info)) return;
  std::string line;
  line.reserve(160 + a.target.size());
  if (g_format == Format::json) {
    begin_json(line, Level::info, "access");
    append_field(line, "id", a.id);
    append_field(line, "remote", a.remote);
    append_field(line, "client", a.client);
    append_field(line, "method", a.method);
    append_field(line, "target", a.target);
    append_field(line, "route", a.route);
    append_field(line, "status", static_cast<std::uint64_t>(a.status));
    append_field(line, "bytes", a.bytes);
    append_field(line, "us", a.micros);
    line += "}\n";
  } else {
    append_time(line);
    line += "info access ";
    line += a.remote;
    line += ' ';
    line += a.method.empty() ? std::string_view("-") : a.method;
    line += ' ';
    line += a.target.empty() ? std::string_view("-") : a.target;
    line += ' ';
    line += std::to_string(a.status);
    line += ' ';
    line += std::to_string(a.bytes);
    line += ' ';
    line += std::to_string(a.micros);
    line += "us id=";
    line += a.id;
    line += '\n';
  }
  emit(line);
}

void buffer_this_thread(ThreadPool& pool) {
  t_buffer.pool = &pool;
}

void flush_this_thread() {
  auto& b = t_buffer;
  if (!b.pool || b.lines.empty()) return;
  if (b.in_flight->load(std::memory_order_acquire)) return;  // keep order; try later
  b.in_flight->store(true, std::memory_order_relaxed);
  std::unique_ptr<ThreadPool::Job> job =
      std::make_unique<WriteJob>(std::move(b.lines), b.in_flight);
  b.lines.clear();
  if (!b.pool->try_post_keep(job)) {
    // Pool saturated: take the batch back and retry at the next flush.
    b.lines = std::move(static_cast<WriteJob&>(*job).lines);
    b.in_flight->store(false, std::memory_order_relaxed);
  }
}

void flush_this_thread_now() {
  auto& b = t_buffer;
  while (b.in_flight->load(std::memory_order_acquire))
    std::this_thread::yield();
  write_all(b.lines);
  b.lines.clear();
  b.pool = nullptr;
}

std::uint64_t dropped_lines() {
  return g_dropped.load(std::memory_order_relaxed);
}

}  // namespace tern::log
