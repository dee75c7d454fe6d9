#include "db/session_store_redis.hpp"

namespace tern::db {

namespace {
// An error reply where a value was expected is a bug or a misconfigured
// server; say so instead of treating the session as absent.
void expect_no_error(const RedisReply& reply) {
  if (reply.is_error())
    throw RedisError(RedisError::Kind::reply_error, "session store: " + reply.error_message());
}
}  // namespace

asio::awaitable<std::optional<SessionData>> RedisSessionStore::load(std::string sid) {
  std::string key = prefix_ + sid;
  auto reply = co_await redis_.command("GETEX", key, "EX", limits_.idle.count());
  expect_no_error(reply);
  if (reply.is_nil()) co_return std::nullopt;
  auto data = decode_session(reply.as_string());
  if (!data || past_lifetime(*data, limits_, unix_now())) {
    co_await redis_.command("DEL", key);
    co_return std::nullopt;
  }
  co_return data;
}

// KEYS[1]: the session, KEYS[2]: its user's set. ARGV: the session's value,
// idle TTL, id, per_user, lifetime, key prefix. Scored by the server's clock
// in microseconds (exact in a double), so that logins within one second
// keep their order.
constexpr const char* kSave = R"lua(
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
for _, sid in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', ARGV[6] .. sid) == 0 then redis.call('ZREM', KEYS[2], sid) end
end
local now = redis.call('TIME')
local micros = now[1] * 1000000 + now[2]
local cutoff = micros - tonumber(ARGV[5]) * 1000000
for _, sid in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. cutoff)) do
  redis.call('DEL', ARGV[6] .. sid)  -- past the absolute lifetime: dead though its key is not
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. cutoff)
redis.call('ZADD', KEYS[2], micros, ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[5])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  for _, sid in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do
    redis.call('DEL', ARGV[6] .. sid)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
)lua";

asio::awaitable<void> RedisSessionStore::save(std::string sid, SessionData data) {
  std::string key = prefix_ + sid;
  std::string user_key = prefix_ + "user:" + std::to_string(data.user_id);
  auto reply = co_await redis_.command(
      "EVAL", kSave, 2, key, user_key, encode_session(data), limits_.idle.count(), sid,
      static_cast<long long>(limits_.per_user), limits_.absolute.count(), prefix_);
  expect_no_error(reply);
}

asio::awaitable<void> RedisSessionStore::remove(std::string sid) {
  expect_no_error(co_await redis_.command("DEL", prefix_ + sid));
}

}  // namespace tern::db
