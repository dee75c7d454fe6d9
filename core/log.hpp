// Logging: one line per event on stderr, "<UTC time> <level> <message>",
// or with TERN_LOG_FORMAT=json one JSON object per line:
//   {"time":"2026-11-22T10:00:00.123Z","level":"info","msg":"..."}
// and, for each response, an access line with its fields (see Access).
// Nothing secret is ever passed to the log: no password, cookie, token or
// client secret (tests/integration/logs_test.py greps a whole run for them).
//
// An event-loop thread must not block on a slow stderr (a full pipe, a slow
// terminal), so a loop thread calls buffer_this_thread(): its lines collect in
// a thread-local buffer that is handed to the I/O pool in batches, one
// batch in flight at a time so lines keep their order. Other threads (start-up,
// pool threads) write directly. If the pool cannot keep up, the buffer is
// capped and the overflow counted in dropped_lines() rather than growing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tern {
class ThreadPool;
}

namespace tern::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };
enum class Format { text, json };

void set_level(Level level);
void set_format(Format format);            // before the loops start
Level parse_level(std::string_view name);  // unknown names mean info
bool enabled(Level level);

void write(Level level, std::string_view message);
inline void debug(std::string_view m) {
  write(Level::debug, m);
}
inline void info(std::string_view m) {
  write(Level::info, m);
}
inline void warn(std::string_view m) {
  write(Level::warn, m);
}
inline void error(std::string_view m) {
  write(Level::error, m);
}

// One answered request. Text: "access <remote> <method> <target> <status>
// <bytes> <micros>us id=<request id>"; JSON: {"time","level":"info",
// "msg":"access","id","remote","client","method","target","route",
// "status","bytes","us"}. `route` is the matched pattern ("" if none).
struct Access {
  std::string_view id, remote, client, method, target, route;
  int status = 0;
  std::uint64_t bytes = 0, micros = 0;
};
void access(const Access& a);

// Makes this thread buffer its lines and flush them through `pool`.
void buffer_this_thread(ThreadPool& pool);
// Hands the buffered lines to the pool (call periodically and at shutdown).
void flush_this_thread();
// Writes the buffered lines synchronously (at thread exit, when blocking is fine).
void flush_this_thread_now();

std::uint64_t dropped_lines();

}  // namespace tern::log
