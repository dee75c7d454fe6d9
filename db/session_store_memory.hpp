// Sessions in this process's memory, as express-session's MemoryStore keeps
// them: the fastest store, and the one a second process cannot see (the
// first limit on DESIGN.md's road). Shared by every loop thread of the
// process, so a mutex guards it; the critical sections are a hash lookup.
//
// Expired sessions are dropped when they are next asked for, and by a sweep
// that the loops run bit by bit (each loop calls sweep_step() every second:
// one sixtieth of the hash buckets each time, so the whole store at least
// once a minute, never holding the lock for more than a few thousand
// buckets' worth).
//
// Bounded: at `capacity` sessions, expired ones are swept at once; if it is
// still full, save() refuses with PgError::unavailable (a 503), never growing
// without limit.
#pragma once

#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "db/session_store.hpp"

namespace tern::db {

class MemorySessionStore final : public SessionStore {
 public:
  explicit MemorySessionStore(SessionLimits limits, std::size_t capacity = 1'000'000)
      : limits_(limits), capacity_(capacity) {}

  asio::awaitable<std::optional<SessionData>> load(std::string sid) override;
  asio::awaitable<void> save(std::string sid, SessionData data) override;
  asio::awaitable<void> remove(std::string sid) override;

  std::size_t size() const;
  std::size_t sweep();  // drops every expired session; returns how many
  // Drops the expired sessions of the next 1/kSweepSteps of the hash buckets
  // (at least kMinSweepBuckets), wrapping around; returns how many went.
  std::size_t sweep_step();
  static constexpr std::size_t kSweepSteps = 60;
  static constexpr std::size_t kMinSweepBuckets = 256;

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    SessionData data;
    Clock::time_point idle_until;
  };
  bool expired(const Entry& e, Clock::time_point now, std::int64_t unix_now) const;
  std::size_t erase_expired();  // all of them, at once; the caller holds mutex_

  SessionLimits limits_;
  std::size_t capacity_;
  std::size_t sweep_cursor_ = 0;  // the next bucket sweep_step() looks at
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> sessions_;
};

}  // namespace tern::db
