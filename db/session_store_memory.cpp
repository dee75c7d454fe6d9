#include "db/session_store_memory.hpp"

#include "db/pg_error.hpp"

namespace tern::db {

asio::awaitable<std::optional<SessionData>> MemorySessionStore::load(std::string sid) {
  std::optional<SessionData> found;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(sid);
    if (it != sessions_.end()) {
      auto now = Clock::now();
      if (now >= it->second.idle_until || past_lifetime(it->second.data, limits_, unix_now())) {
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
      auto now = Clock::now();
      std::erase_if(sessions_, [&](const auto& kv) { return now >= kv.second.idle_until; });
      if (sessions_.size() >= capacity_)
        throw PgError(PgError::Kind::unavailable, "memory session store is full");
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

std::size_t MemorySessionStore::sweep() {
  std::lock_guard lock(mutex_);
  auto now = Clock::now();
  return std::erase_if(sessions_, [&](const auto& kv) { return now >= kv.second.idle_until; });
}

}  // namespace tern::db
