// Sessions in this process's memory, as express-session's MemoryStore keeps
// them: the fastest store, and the one a second process cannot see (the
// first limit on DESIGN.md's road). Shared by every loop thread of the
// process, so a mutex guards it; the critical sections are a hash lookup.
//
// Bounded: at `capacity` sessions, expired ones are swept; if it is still
// full, save() refuses with PgError::unavailable (a 503), never growing
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
  std::size_t sweep();  // drops expired sessions; returns how many

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    SessionData data;
    Clock::time_point idle_until;
  };
  SessionLimits limits_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> sessions_;
};

}  // namespace tern::db
