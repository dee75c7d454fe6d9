// What each event loop keeps for the token API, so that checking a token
// costs no network round trip: the JWT codec (its keys' HMAC states), the
// denylist of revoked token ids, and the registered hosts for CORS.
//
// Both lists are fed by Redis pub/sub on this loop's own subscriber:
// "tern:revoked" carries "<jti> <exp>" for each revocation, "tern:domains"
// the host of a domain just registered or deleted (each loop then asks
// PostgreSQL whether that host is still registered by anyone). Messages published while a
// subscriber is cut off are lost, so whenever it has (re)subscribed the loop rebuilds: the denylist
// from the sorted set tern:revoked (member jti, score exp) that every revocation also writes, the
// hosts from PostgreSQL. Expired entries leave the denylist once a second. The hosts are also
// reloaded every 30 s, so a change made while Redis was down reaches every process in the end.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/config.hpp"
#include "core/jwt.hpp"
#include "db/pg_pool.hpp"
#include "db/redis_client.hpp"
#include "db/redis_subscriber.hpp"

namespace tern::handlers {

// Seconds since the epoch: the clock of every exp, iat and nbf.
inline std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

inline constexpr std::string_view kRevokedChannel = "tern:revoked";
inline constexpr std::string_view kRevokedSet = "tern:revoked";
inline constexpr std::string_view kDomainsChannel = "tern:domains";

class TokenState {
 public:
  TokenState(asio::io_context& io, const Config& config, db::PgPool& pg, db::RedisClient& redis);
  ~TokenState();
  void close();

  JwtCodec& codec() { return codec_; }

  bool revoked(std::string_view jti) const { return denied_.contains(std::string(jti)); }
  void deny(std::string jti, std::int64_t exp);

  // Whether `host` ("name[:port]") is registered, as of the last load;
  // nullopt before the first load has finished.
  std::optional<bool> host_known(std::string_view host) const;
  void add_host(std::string host) { hosts_.insert(std::move(host)); }
  // Tells every loop of every process that `host` was registered or deleted
  // (best effort: with Redis down, the 30 s reload brings the change).
  static asio::awaitable<void> publish_host_change(db::RedisClient& redis, std::string host);

  // The rate limiter's view of Redis, shared by this loop's requests: the
  // moment it was first found down (nullopt while it answers; cleared too
  // once this loop's subscriber is connected again, so a loop that served no
  // /v2 request since an earlier outage starts the next with a full window).
  std::optional<std::chrono::steady_clock::time_point>& limiter_down_since() {
    return limiter_down_since_;
  }

  std::size_t denylist_size() const { return denied_.size(); }

 private:
  asio::awaitable<void> tick();
  asio::awaitable<void> rebuild_denylist();
  asio::awaitable<void> load_hosts();
  asio::awaitable<void> recheck_host(std::string host);
  void on_revoked(std::string_view message);

  db::PgPool& pg_;
  db::RedisClient& redis_;
  JwtCodec codec_;
  db::RedisSubscriber subscriber_;
  asio::steady_timer timer_;
  std::unordered_map<std::string, std::int64_t> denied_;  // jti → exp
  std::unordered_set<std::string> hosts_;
  bool hosts_loaded_ = false;
  bool hosts_loading_ = false;
  std::chrono::steady_clock::time_point hosts_loaded_at_{};
  std::uint64_t synced_reconnects_ = ~std::uint64_t{0};  // subscriber generation last rebuilt
  std::optional<std::chrono::steady_clock::time_point> limiter_down_since_;
  std::int64_t leeway_;  // a token is accepted until exp + leeway: so is it denied
  bool closed_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>();
};

}  // namespace tern::handlers
