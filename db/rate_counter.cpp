#include "db/rate_counter.hpp"

namespace tern::db {
namespace {

// KEYS: the counters; ARGV[1]: the window in seconds, ARGV[i + 1]: KEYS[i]'s
// limit. A key without an expiry (left by an older version) gets one.
constexpr const char* kReserve = R"lua(
local wait = 0
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 0 then redis.call('EXPIRE', key, ARGV[1]) ttl = tonumber(ARGV[1]) end
    if ttl < 1 then ttl = 1 end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[1], 'NX')
end
return 0
)lua";

constexpr const char* kGiveBack = R"lua(
if redis.call('DECR', KEYS[1]) <= 0 then redis.call('DEL', KEYS[1]) end
)lua";

void expect_no_error(const RedisReply& reply, const char* what) {
  if (reply.is_error())
    throw RedisError(RedisError::Kind::reply_error,
                     std::string(what) + ": " + reply.error_message());
}

}  // namespace

asio::awaitable<long long> reserve(RedisClient& redis, const std::vector<RateKey>& keys,
                                   std::chrono::seconds window) {
  std::vector<std::string> args{"EVAL", kReserve, std::to_string(keys.size())};
  for (const auto& k : keys)
    args.push_back(k.key);
  args.push_back(std::to_string(window.count()));
  for (const auto& k : keys)
    args.push_back(std::to_string(k.limit));
  auto reply = co_await redis.command(std::move(args));
  expect_no_error(reply, "rate counter");
  co_return reply.as_integer();
}

asio::awaitable<void> give_back(RedisClient& redis, const std::string& key) {
  expect_no_error(co_await redis.command("EVAL", kGiveBack, 1, key), "rate counter");
}

}  // namespace tern::db
