#include "db/session_store_memory.hpp"

namespace tern::db {

MemorySessionStore::~MemorySessionStore() {
  // The lists must be empty before the entries they link are destroyed.
  by_use_.clear();
  by_login_.clear();
  for (auto& [user, list] : by_user_)
    list.clear();
}

void MemorySessionStore::unlink(Entry& e) {
  by_use_.erase(by_use_.iterator_to(e));
  by_login_.erase(by_login_.iterator_to(e));
  auto user = by_user_.find(e.data.user_id);
  user->second.erase(user->second.iterator_to(e));
  if (user->second.empty()) by_user_.erase(user);
  sessions_.erase(*e.sid);
}

std::size_t MemorySessionStore::drop_expired(std::size_t at_most) {
  auto now = Clock::now();
  auto unix = unix_now();
  std::size_t dropped = 0;
  while (dropped < at_most && !by_use_.empty() && by_use_.front().idle_until <= now) {
    unlink(by_use_.front());
    ++dropped;
  }
  while (dropped < at_most && !by_login_.empty() &&
         past_lifetime(by_login_.front().data, limits_, unix)) {
    unlink(by_login_.front());
    ++dropped;
  }
  return dropped;
}

asio::awaitable<std::optional<SessionData>> MemorySessionStore::load(std::string sid) {
  std::optional<SessionData> found;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(sid);
    if (it != sessions_.end()) {
      Entry& e = it->second;
      auto now = Clock::now();
      if (now >= e.idle_until || past_lifetime(e.data, limits_, unix_now())) {
        unlink(e);
      } else {
        e.idle_until = now + limits_.idle;
        by_use_.erase(by_use_.iterator_to(e));  // now the most recently used
        by_use_.push_back(e);
        found = e.data;
      }
    }
  }
  co_return found;
}

asio::awaitable<void> MemorySessionStore::save(std::string sid, SessionData data) {
  {
    std::lock_guard lock(mutex_);
    if (auto old = sessions_.find(sid); old != sessions_.end()) unlink(old->second);
    drop_expired(2);  // keeps pace with saves even between sweeps
    if (sessions_.size() >= capacity_ && !by_use_.empty()) unlink(by_use_.front());
    auto [it, fresh] = sessions_.try_emplace(std::move(sid));
    Entry& e = it->second;
    e.sid = &it->first;
    e.data = data;
    e.idle_until = Clock::now() + limits_.idle;
    by_use_.push_back(e);
    by_login_.push_back(e);
    auto& mine = by_user_[data.user_id];
    mine.push_back(e);
    // Dead sessions the sweep has not reached yet must not push out a live
    // one: the user's list is at most per_user + 1 long, so look at it all.
    // (`mine` outlives these unlinks: `e` keeps it non-empty.)
    auto now = Clock::now();
    auto unix = unix_now();
    for (auto it = mine.begin(); it != mine.end();) {
      Entry& other = *it++;
      if (&other != &e && (now >= other.idle_until || past_lifetime(other.data, limits_, unix)))
        unlink(other);
    }
    if (mine.size() > limits_.per_user) unlink(mine.front());
  }
  co_return;
}

asio::awaitable<void> MemorySessionStore::remove(std::string sid) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = sessions_.find(sid); it != sessions_.end()) unlink(it->second);
  }
  co_return;
}

std::size_t MemorySessionStore::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::size_t MemorySessionStore::sessions_of(std::int64_t user_id) const {
  std::lock_guard lock(mutex_);
  auto it = by_user_.find(user_id);
  return it == by_user_.end() ? 0 : it->second.size();
}

std::size_t MemorySessionStore::sweep() {
  std::lock_guard lock(mutex_);
  return drop_expired(static_cast<std::size_t>(-1));
}

std::size_t MemorySessionStore::sweep_step() {
  std::lock_guard lock(mutex_);
  return drop_expired(kSweepBatch);
}

}  // namespace tern::db
