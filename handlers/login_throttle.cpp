#include "handlers/login_throttle.hpp"

#include <algorithm>

#include "db/rate_counter.hpp"
#include "http/client_address.hpp"
#include "http/text.hpp"

namespace tern::handlers {

LoginThrottle::LoginThrottle(db::RedisClient& redis, const Config& config, std::string_view email,
                             std::optional<std::int64_t> user_id, std::string_view client)
    : redis_(redis), config_(config) {
  if (user_id) {
    account_key_ = "login:fail:user:" + std::to_string(*user_id);
  } else {
    std::string lowered(email);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), http::ascii_lower);
    account_key_ = "login:fail:email:" + lowered;
  }
  address_key_ = "login:fail:addr:" + http::address_bucket(client);
}

asio::awaitable<long long> LoginThrottle::reserve() {
  std::vector<db::RateKey> keys{{account_key_, config_.login_max_failures},
                                {address_key_, config_.login_max_failures * 4LL}};
  co_return co_await db::reserve(redis_, keys, config_.login_window);
}

asio::awaitable<void> LoginThrottle::not_attempted() {
  co_await db::give_back(redis_, account_key_);
  co_await db::give_back(redis_, address_key_);
}

asio::awaitable<void> LoginThrottle::succeeded() {
  auto del = co_await redis_.command("DEL", account_key_);
  (void)del;
  co_await db::give_back(redis_, address_key_);
}

}  // namespace tern::handlers
