#include "db/rate_limit.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

namespace tern::db {
namespace {

// KEYS[1]: the bucket; ARGV[1]: requests per minute. Times in milliseconds.
// Returns {allowed, remaining, reset_ms, retry_after_ms}.
constexpr const char* kTake = R"lua(
local period = 60000
local interval = period / tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
if new_tat - now > period then
  return {0, 0, math.ceil(tat - now), math.ceil(new_tat - period - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil(new_tat - now))
return {1, math.floor((period - (new_tat - now)) / interval), math.ceil(new_tat - now), 0}
)lua";

// EVALSHA spares Redis from hashing the script's text on every call; the
// first call on a server that has not seen it (NOSCRIPT) sends the text.
const std::string& script_sha1() {
  static const std::string hex = [] {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(kTake), std::strlen(kTake), digest);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : digest) {
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
    return out;
  }();
  return hex;
}

long long seconds_up(long long ms) {
  return (ms + 999) / 1000;
}

}  // namespace

asio::awaitable<RateDecision> take_rate(RedisClient& redis, const std::string& key,
                                        long long per_minute) {
  auto reply = co_await redis.command("EVALSHA", script_sha1(), 1, key, per_minute);
  if (reply.is_error() && reply.error_message().starts_with("NOSCRIPT"))
    reply = co_await redis.command("EVAL", kTake, 1, key, per_minute);
  if (reply.is_error()) {
    // LOADING (a restarted Redis reading its data) and BUSY (a script
    // running too long) are Redis not available yet, not a wrong command.
    const auto& m = reply.error_message();
    bool transient = m.starts_with("LOADING") || m.starts_with("BUSY");
    throw RedisError(transient ? RedisError::Kind::unavailable : RedisError::Kind::reply_error,
                     "rate limit: " + m);
  }
  const auto& a = reply.as_array();
  if (a.size() != 4)
    throw RedisError(RedisError::Kind::reply_error, "rate limit: unexpected reply");
  RateDecision d;
  d.allowed = a[0].as_integer() == 1;
  d.limit = per_minute;
  d.remaining = a[1].as_integer();
  d.reset = seconds_up(a[2].as_integer());
  d.retry_after = d.allowed ? 0 : std::max(1LL, seconds_up(a[3].as_integer()));
  co_return d;
}

}  // namespace tern::db
