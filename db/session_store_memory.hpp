// Sessions in this process's memory, as express-session's MemoryStore keeps
// them: the fastest store, and the one a second process cannot see (the
// first limit on DESIGN.md's road). Shared by every loop thread of the
// process, so a mutex guards it; every operation under it is O(1).
//
// Each session is threaded on three intrusive lists (Boost.Intrusive: no
// allocation of their own): by last use, by login, and its user's own list
// by login. Since every use renews the idle deadline by the same amount, the
// least recently used session is always the next to go idle, and the oldest
// login the next to pass the absolute lifetime: expiry is popping list fronts
// (sweep_step(), run by each loop once a second, and at save()), never a
// scan. At `capacity`, save() ends the least recently used session; beyond
// SessionLimits::per_user, the user's oldest login.
#pragma once

#include <boost/intrusive/list.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "db/session_store.hpp"

namespace tern::db {

class MemorySessionStore final : public SessionStore {
 public:
  explicit MemorySessionStore(SessionLimits limits, std::size_t capacity = 1'000'000)
      : limits_(limits), capacity_(capacity) {}
  ~MemorySessionStore() override;

  asio::awaitable<std::optional<SessionData>> load(std::string sid) override;
  asio::awaitable<void> save(std::string sid, SessionData data) override;
  asio::awaitable<void> remove(std::string sid) override;

  std::size_t size() const;
  std::size_t sessions_of(std::int64_t user_id) const;
  // Drops every expired session; returns how many.
  std::size_t sweep();
  // Drops up to kSweepBatch expired sessions; returns how many went.
  std::size_t sweep_step();
  static constexpr std::size_t kSweepBatch = 4096;

 private:
  using Clock = std::chrono::steady_clock;
  using Hook = boost::intrusive::list_member_hook<>;
  struct Entry {
    const std::string* sid = nullptr;  // the map's key
    SessionData data;
    Clock::time_point idle_until;
    Hook by_use, by_login, of_user;
  };
  template <Hook Entry::*H>
  using List = boost::intrusive::list<Entry, boost::intrusive::member_hook<Entry, Hook, H>>;

  // All of these run with mutex_ held.
  void unlink(Entry& e);  // out of every list and the map; `e` is gone after
  std::size_t drop_expired(std::size_t at_most);

  SessionLimits limits_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> sessions_;
  List<&Entry::by_use> by_use_;                                      // least recently used first
  List<&Entry::by_login> by_login_;                                  // oldest login first
  std::unordered_map<std::int64_t, List<&Entry::of_user>> by_user_;  // no empty lists
};

}  // namespace tern::db
