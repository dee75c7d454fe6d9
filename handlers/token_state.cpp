#include "handlers/token_state.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <charconv>
#include <ctime>

#include "core/backing_error.hpp"
#include "core/log.hpp"
#include "db/domains.hpp"

namespace tern::handlers {

namespace {

constexpr auto kHostsReload = std::chrono::seconds(30);

}  // namespace

TokenState::TokenState(asio::io_context& io, const Config& config, db::PgPool& pg,
                       db::RedisClient& redis)
    : pg_(pg),
      redis_(redis),
      codec_({.keys = config.jwt_keys, .issuer = "tern", .leeway = config.jwt_leeway}),
      subscriber_(io.get_executor(), config.redis),
      timer_(io),
      leeway_(config.jwt_leeway.count()) {
  subscriber_.subscribe(std::string(kRevokedChannel),
                        [this](std::string_view, std::string_view m) { on_revoked(m); });
  subscriber_.subscribe(
      std::string(kDomainsChannel), [this](std::string_view, std::string_view host) {
        asio::co_spawn(timer_.get_executor(), recheck_host(std::string(host)), asio::detached);
      });
  asio::co_spawn(io, tick(), asio::detached);
}

TokenState::~TokenState() = default;

void TokenState::close() {
  closed_ = true;
  timer_.cancel();
  subscriber_.close();
}

void TokenState::deny(std::string jti, std::int64_t exp) {
  if (exp + leeway_ > unix_now()) denied_.insert_or_assign(std::move(jti), exp);
}

std::optional<bool> TokenState::host_known(std::string_view host) const {
  if (!hosts_loaded_) return std::nullopt;
  return hosts_.contains(std::string(host));
}

// "<jti> <exp>"; anything else is ignored (nobody but tern publishes here).
void TokenState::on_revoked(std::string_view message) {
  auto space = message.rfind(' ');
  if (space == std::string_view::npos || space == 0) return;
  std::int64_t exp = 0;
  auto digits = message.substr(space + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), exp);
  if (ec != std::errc() || end != digits.data() + digits.size()) return;
  deny(std::string(message.substr(0, space)), exp);
}

asio::awaitable<void> TokenState::rebuild_denylist() {
  auto since = unix_now() - leeway_;
  auto reply = co_await redis_.command("ZRANGEBYSCORE", kRevokedSet, since, "+inf", "WITHSCORES");
  // An error reply (LOADING after a restart, say): not synced, the next tick retries.
  if (!reply.is_array())
    throw db::RedisError(db::RedisError::Kind::reply_error, "revoked set: " + reply.describe());
  const auto& items = reply.as_array();
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    std::int64_t exp = 0;
    const auto& score = items[i + 1].as_string();
    std::from_chars(score.data(), score.data() + score.size(), exp);
    deny(items[i].as_string(), exp);
  }
}

asio::awaitable<void> TokenState::load_hosts() {
  if (hosts_loading_ || closed_) co_return;
  hosts_loading_ = true;
  std::weak_ptr<int> alive = alive_;
  try {
    auto hosts = co_await db::domains::all_hosts(pg_);
    if (alive.expired() || closed_) co_return;
    hosts_ = std::unordered_set<std::string>(hosts.begin(), hosts.end());
    hosts_loaded_ = true;
    hosts_loaded_at_ = std::chrono::steady_clock::now();
  } catch (const BackingError&) {
    // PostgreSQL is down: keep what we have; the next tick tries again.
  }
  if (!alive.expired()) hosts_loading_ = false;
}

asio::awaitable<void> TokenState::recheck_host(std::string host) {
  std::weak_ptr<int> alive = alive_;
  try {
    bool registered = co_await db::domains::host_registered(pg_, host);
    if (alive.expired() || closed_) co_return;
    if (registered)
      hosts_.insert(std::move(host));
    else
      hosts_.erase(host);
  } catch (const BackingError&) {
    if (alive.expired() || closed_) co_return;
    hosts_loaded_at_ = {};  // unsure now: reload everything at the next tick
  }
}

asio::awaitable<void> TokenState::publish_host_change(db::RedisClient& redis, std::string host) {
  try {
    co_await redis.command("PUBLISH", kDomainsChannel, host);
  } catch (const BackingError& e) {
    log::warn(std::string("domains: change of ") + host + " not published (" + e.what() +
              "); other processes see it within 30 s");
  }
}

asio::awaitable<void> TokenState::tick() {
  std::weak_ptr<int> alive = alive_;
  while (!closed_) {
    std::erase_if(denied_,
                  [now = unix_now(), this](const auto& e) { return e.second + leeway_ <= now; });
    if (subscriber_.connected()) limiter_down_since_.reset();
    // Subscribed to both channels on a connection not yet synced: rebuild.
    if (subscriber_.active_subscriptions() == 2 && subscriber_.reconnects() != synced_reconnects_) {
      auto generation = subscriber_.reconnects();
      try {
        co_await rebuild_denylist();
        if (alive.expired() || closed_) co_return;
        synced_reconnects_ = generation;
        hosts_loaded_at_ = {};  // and the hosts, which may have changed meanwhile
      } catch (const BackingError&) {
        if (alive.expired() || closed_) co_return;  // not synced: the next tick tries again
      }
    }
    if (!hosts_loaded_ || std::chrono::steady_clock::now() - hosts_loaded_at_ > kHostsReload) {
      co_await load_hosts();
      if (alive.expired() || closed_) co_return;
    }
    timer_.expires_after(std::chrono::seconds(1));
    std::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (alive.expired()) co_return;
  }
}

}  // namespace tern::handlers
