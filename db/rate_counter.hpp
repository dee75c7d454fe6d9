// Fixed-window attempt counters in Redis, shared by every process and node:
// the login throttle (per account, per client address) and the join limit
// (per address) count with them.
//
// reserve() is check-and-count in one atomic script over every key it is
// given: if any key is at its limit, nothing is counted and the caller learns
// how long to wait; otherwise every key is counted at once. Counting before
// the expensive work (a password hash) is what makes a burst of thirty
// concurrent attempts cost five hashes, not thirty: with a check, then the
// work, then a count, every request of the burst passed the check before the
// first one was counted.
//
// A window starts at a key's first count (EXPIRE NX never extends it), and a
// key's count and its expiry are set in one step, so no key can be left
// counting forever.
#pragma once

#include <asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "db/redis_client.hpp"

namespace tern::db {

struct RateKey {
  std::string key;
  long long limit;  // attempts per window
};

// Counts one attempt on every key, or on none. Returns 0 when counted, else
// the seconds until the fullest key's window ends (≥ 1). Throws RedisError
// when Redis is unavailable (the caller then refuses: a 503, not a pass).
asio::awaitable<long long> reserve(RedisClient& redis, const std::vector<RateKey>& keys,
                                   std::chrono::seconds window);

// Takes back one attempt from `key` (a login that turned out right is no
// failure of its address); the key goes when its count reaches zero.
asio::awaitable<void> give_back(RedisClient& redis, const std::string& key);

}  // namespace tern::db
