// Brute-force protection for /auth/login: attempts are counted per account
// and per client address in Redis (so every process and node sees the same
// counts), in a window of TERN_LOGIN_WINDOW_S, TERN_LOGIN_MAX_FAILURES per
// account and four times that per address.
//
// An attempt is reserved before the password is verified, in one atomic
// script for both counts (db/rate_counter.hpp): a burst of concurrent wrong
// passwords for one account costs at most the limit's worth of hashes and
// the rest are 429 at once. A right password takes its attempt back: the
// account's count is cleared, the address's reservation returned.
//
// The account is keyed by its user id once the email is found, so every
// spelling the lookup accepts (PostgreSQL's lower() is Unicode-aware) counts
// against the same account; an email with no account is keyed by its text.
// Addresses are counted by http::address_bucket (IPv6 by /64). Redis down →
// the login is refused with 503, not let through.
#pragma once

#include <asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "db/redis_client.hpp"

namespace tern::handlers {

class LoginThrottle {
 public:
  // `user_id`: the account the email belongs to, if any. `client`: the
  // request's client address.
  LoginThrottle(db::RedisClient& redis, const Config& config, std::string_view email,
                std::optional<std::int64_t> user_id, std::string_view client);

  // Reserves this attempt. Seconds to wait before trying again (the 429's
  // Retry-After), or 0 when the attempt may go ahead.
  asio::awaitable<long long> reserve();
  // The password was right: forgive the account, give the address back its attempt.
  asio::awaitable<void> succeeded();
  // The password was never checked (the worker pool was full, a service
  // failed): the attempt is given back to both, so that an overload does not
  // lock honest users out.
  asio::awaitable<void> not_attempted();

  const std::string& account_key() const { return account_key_; }
  const std::string& address_key() const { return address_key_; }

 private:
  db::RedisClient& redis_;
  const Config& config_;
  std::string account_key_;
  std::string address_key_;
};

}  // namespace tern::handlers
