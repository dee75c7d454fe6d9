#include "db/session_store_memory.hpp"

#include <algorithm>
#include <vector>

#include "core/backing_error.hpp"

namespace tern::db {

bool MemorySessionStore::expired(const Entry& e, Clock::time_point now, std::int64_t unix) const {
  return now >= e.idle_until || past_lifetime(e.data, limits_, unix);
}

asio::awaitable<std::optional<SessionData>> MemorySessionStore::load(std::string sid) {
  std::optional<SessionData> found;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(sid);
    if (it != sessions_.end()) {
      auto now = Clock::now();
      if (expired(it->second, now, unix_now())) {
        sessions_.erase(it);
      } else {
        it->second.idle_until = now + limits_.idle;
        found = it->second.data;
      }
    }
  }
  co_return found;
}

asio::awaitable<void> MemorySessionStore::save(std::string sid, SessionData data) {
  {
    std::lock_guard lock(mutex_);
    if (sessions_.size() >= capacity_ && !sessions_.contains(sid)) {
      erase_expired();
      if (sessions_.size() >= capacity_)
        throw BackingError("session store", "memory session store is full");
    }
    sessions_[std::move(sid)] = Entry{data, Clock::now() + limits_.idle};
  }
  co_return;
}

asio::awaitable<void> MemorySessionStore::remove(std::string sid) {
  {
    std::lock_guard lock(mutex_);
    sessions_.erase(sid);
  }
  co_return;
}

std::size_t MemorySessionStore::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::size_t MemorySessionStore::erase_expired() {
  auto now = Clock::now();
  auto unix = unix_now();
  return std::erase_if(sessions_, [&](const auto& kv) { return expired(kv.second, now, unix); });
}

std::size_t MemorySessionStore::sweep() {
  std::lock_guard lock(mutex_);
  return erase_expired();
}

std::size_t MemorySessionStore::sweep_step() {
  std::lock_guard lock(mutex_);
  auto now = Clock::now();
  auto unix = unix_now();
  std::size_t buckets = sessions_.bucket_count();
  std::size_t steps = std::min(buckets, std::max(kMinSweepBuckets, buckets / kSweepSteps));
  // A bucket is walked with local iterators, which cannot erase: note the
  // expired keys, then erase them. (A rehash since the last step only means
  // some buckets are looked at twice or not until the next round.)
  std::vector<std::string> gone;
  for (std::size_t i = 0; i < steps; ++i) {
    if (sweep_cursor_ >= buckets) sweep_cursor_ = 0;
    for (auto it = sessions_.begin(sweep_cursor_); it != sessions_.end(sweep_cursor_); ++it)
      if (expired(it->second, now, unix)) gone.push_back(it->first);
    ++sweep_cursor_;
  }
  for (const auto& sid : gone)
    sessions_.erase(sid);
  return gone.size();
}

}  // namespace tern::db
