// The /v2 rate limit (API.md, "Token API"): a GCRA (generic cell rate
// algorithm) bucket per key in Redis, shared by every process and node.
//
// A key stores one number, its theoretical arrival time (TAT): when the
// bucket would be empty again. Each request moves it on by one interval
// (60 s / limit); a request that would push it more than a minute past now
// is refused. That allows `limit` requests in any minute, smoothly — no
// window edge where twice the limit gets through — with one GET and one SET
// in an atomic script that reads Redis's own clock, so the processes' clocks
// do not matter. The key expires when the bucket is full again.
#pragma once

#include <asio/awaitable.hpp>

#include <string>

#include "db/redis_client.hpp"

namespace tern::db {

struct RateDecision {
  bool allowed = false;
  long long limit = 0;
  long long remaining = 0;    // requests left right now
  long long reset = 0;        // seconds until the bucket is full again
  long long retry_after = 0;  // refused: seconds until one request fits (≥ 1)
};

// Counts one request against `per_minute` on `key`. Throws RedisError when
// Redis is unavailable (the caller decides whether to fail open).
asio::awaitable<RateDecision> take_rate(RedisClient& redis, const std::string& key,
                                        long long per_minute);

}  // namespace tern::db
