// Brute-force protection for /auth/login: failed attempts are counted per
// email and per client address in Redis (so every process and node sees the
// same counts), in a window of TERN_LOGIN_WINDOW_S. Past the limit, login
// answers 429 with Retry-After until the window ends; a success clears the
// email's count. Redis down → the login is refused with 503, not let through.
#pragma once

#include <asio/awaitable.hpp>

#include <chrono>
#include <string>

#include "core/config.hpp"
#include "db/redis_client.hpp"

namespace tern::handlers {

class LoginThrottle {
 public:
  LoginThrottle(db::RedisClient& redis, const Config& config);

  // Seconds to wait before trying again (the handler's 429 Retry-After), or
  // 0 when neither count is over its limit.
  asio::awaitable<long long> check(const std::string& email, const std::string& address);
  asio::awaitable<void> failed(const std::string& email, const std::string& address);
  asio::awaitable<void> succeeded(const std::string& email);

 private:
  db::RedisClient& redis_;
  unsigned max_per_email_;
  unsigned max_per_address_;
  std::chrono::seconds window_;
};

}  // namespace tern::handlers
