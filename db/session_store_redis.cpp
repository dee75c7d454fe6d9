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

asio::awaitable<void> RedisSessionStore::save(std::string sid, SessionData data) {
  auto reply = co_await redis_.command("SET", prefix_ + sid, encode_session(data), "EX",
                                       limits_.idle.count());
  expect_no_error(reply);
}

asio::awaitable<void> RedisSessionStore::remove(std::string sid) {
  expect_no_error(co_await redis_.command("DEL", prefix_ + sid));
}

}  // namespace tern::db
