#include "handlers/login_throttle.hpp"

#include <algorithm>

#include "db/redis_error.hpp"
#include "http/text.hpp"

namespace tern::handlers {

namespace {

std::string email_key(std::string email) {
  std::transform(email.begin(), email.end(), email.begin(), http::ascii_lower);
  return "login:fail:email:" + email;
}

std::string address_key(const std::string& address) {
  return "login:fail:addr:" + address;
}

// The count and the seconds left in its window (0 when none).
struct Count {
  long long failures = 0;
  long long ttl = 0;
};

asio::awaitable<Count> count_of(db::RedisClient& redis, const std::string& key) {
  auto get = co_await redis.command("GET", key);
  if (get.is_nil()) co_return Count{};
  auto ttl = co_await redis.command("TTL", key);
  co_return Count{std::stoll(get.as_string()), std::max(1LL, ttl.as_integer())};
}

}  // namespace

LoginThrottle::LoginThrottle(db::RedisClient& redis, const Config& config)
    : redis_(redis),
      max_per_email_(config.login_max_failures),
      max_per_address_(config.login_max_failures * 4),
      window_(config.login_window) {}

asio::awaitable<long long> LoginThrottle::check(const std::string& email,
                                                const std::string& address) {
  Count by_email = co_await count_of(redis_, email_key(email));
  Count by_address = co_await count_of(redis_, address_key(address));
  long long wait = 0;
  if (by_email.failures >= max_per_email_) wait = by_email.ttl;
  if (by_address.failures >= max_per_address_) wait = std::max(wait, by_address.ttl);
  co_return wait;
}

asio::awaitable<void> LoginThrottle::failed(const std::string& email, const std::string& address) {
  // The window starts at the first failure (EXPIRE ... NX never extends it).
  // One script, so that the count and its expiry are one atomic step: with
  // INCR and EXPIRE as two commands, a connection lost between them would
  // leave a count that never expires — and, once over the limit, an email
  // locked out for good, since check() refuses before failed() runs again.
  static const char* kCount =
      "redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1], 'NX') "
      "redis.call('INCR', KEYS[2]) redis.call('EXPIRE', KEYS[2], ARGV[1], 'NX')";
  auto reply = co_await redis_.command("EVAL", kCount, 2, email_key(email), address_key(address),
                                       window_.count());
  if (reply.is_error())
    throw db::RedisError(db::RedisError::Kind::reply_error,
                         "login throttle: " + reply.error_message());
}

asio::awaitable<void> LoginThrottle::succeeded(const std::string& email) {
  co_await redis_.command("DEL", email_key(email));
}

}  // namespace tern::handlers
