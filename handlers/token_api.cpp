#include "handlers/token_api.hpp"

#include <openssl/sha.h>

#include <atomic>
#include <charconv>
#include <ctime>

#include "core/backing_error.hpp"
#include "core/base64url.hpp"
#include "core/json_writer.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/origin.hpp"
#include "core/random.hpp"
#include "db/domains.hpp"
#include "db/posts.hpp"
#include "db/rate_limit.hpp"
#include "db/refresh_tokens.hpp"
#include "handlers/input.hpp"
#include "handlers/loop_services.hpp"
#include "handlers/post_json.hpp"
#include "http/error.hpp"
#include "http/error_response.hpp"
#include "http/text.hpp"
#include "http/url.hpp"

namespace tern::handlers {

using http::HttpError;
using http::Request;
using http::Response;

namespace {

constexpr int kPostsPerAnswer = 100;  // NodeBird answers every post; we answer the newest 100
constexpr std::size_t kRefreshTokenChars = 43;  // 32 random bytes, base64url

[[noreturn]] void unauthorized(const std::string& message) {
  throw HttpError(401, "invalid_token", message);
}

// ---- CORS -----------------------------------------------------------------

asio::awaitable<bool> host_registered(Request& req, const std::string& host);

// Whether the request's Origin is that of a registered domain.
asio::awaitable<bool> origin_registered(Request& req, std::string_view origin) {
  auto canonical = normalize_origin(origin);
  if (!canonical) co_return false;
  std::string host(origin_host(*canonical));
  // A browser leaves out the default port, so "https://a.example" is also
  // the origin of a domain registered as "a.example:443".
  if (co_await host_registered(req, host)) co_return true;
  if (host.find(':') != std::string::npos || host.starts_with('[')) co_return false;
  std::string with_port = host + (canonical->starts_with("https:") ? ":443" : ":80");
  co_return co_await host_registered(req, with_port);
}

asio::awaitable<bool> host_registered(Request& req, const std::string& host) {
  auto& services = services_of(req);
  // A known host is answered from memory; an unknown one is confirmed in the
  // database, so a domain registered a moment ago on another process works
  // before its pub/sub message has arrived.
  if (services.tokens().host_known(host) == true) co_return true;
  bool registered = co_await db::domains::host_registered(services.pg(), host);
  if (registered) services.tokens().add_host(host);
  co_return registered;
}

void allow_origin(Response& res, std::string_view origin) {
  res.set_header("Access-Control-Allow-Origin", std::string(origin));
  res.set_header("Access-Control-Allow-Credentials", "true");
}

// ---- tokens ---------------------------------------------------------------

// Refresh tokens are kept only as this digest.
db::TokenDigest digest_of(std::string_view token) {
  db::TokenDigest out{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), out.data());
  return out;
}

struct Pair {
  std::string token;
  std::string refresh;
};

asio::awaitable<Pair> issue_pair(Request& req, const Config& config,
                                 const db::TokenSubject& subject,
                                 std::optional<std::string> family) {
  auto& services = services_of(req);
  JwtClaims claims;
  claims.sub = std::to_string(subject.user_id);
  claims.nick = subject.nick;
  claims.tier = subject.type;
  claims.domain = subject.domain_id;
  claims.iat = unix_now();
  claims.exp = claims.iat + config.jwt_ttl.count();
  claims.jti = random_base64url(16);
  Pair pair{services.tokens().codec().sign(claims), random_base64url(32)};
  auto digest = digest_of(pair.refresh);
  co_await db::refresh_tokens::issue(services.pg(), subject.user_id, subject.domain_id, digest,
                                     std::move(family), config.refresh_ttl);
  co_return pair;
}

void write_pair(Response& res, const Pair& pair, std::string_view message) {
  std::string body;
  JsonWriter w(body);
  w.begin_object()
      .field("code", 200)
      .field("message", message)
      .field("token", pair.token)
      .field("refreshToken", pair.refresh)
      .end_object();
  res.json(200, std::move(body));
}

// "Bearer <jwt>" or the bare JWT, as NodeBird's clients send it.
std::string_view presented_token(const Request& req) {
  auto header = req.header("authorization");
  if (!header || header->empty()) unauthorized("a token is required (Authorization: Bearer …)");
  std::string_view v = *header;
  if (v.size() > 7 && http::iequals(v.substr(0, 7), "bearer ")) v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ')
    v.remove_prefix(1);
  return v;
}

// The verified, unrevoked claims of the request's token; 419 expired, 401 else.
JwtClaims require_token(Request& req) {
  auto token = presented_token(req);
  auto& tokens = services_of(req).tokens();
  auto check = tokens.codec().verify(token, unix_now());
  auto* counts = req.metrics;
  auto count = [counts](metrics::Counter metrics::LoopMetrics::*outcome) {
    if (counts) (counts->*outcome).add();
  };
  if (check.status == JwtStatus::expired) {
    count(&metrics::LoopMetrics::tokens_expired);
    throw HttpError(419, "token_expired", "the token has expired");
  }
  if (check.status != JwtStatus::ok) {
    count(&metrics::LoopMetrics::tokens_invalid);
    unauthorized(describe(check.status));
  }
  if (tokens.revoked(check.claims.jti)) {
    count(&metrics::LoopMetrics::tokens_revoked);
    unauthorized("the token has been revoked");
  }
  count(&metrics::LoopMetrics::tokens_valid);
  return std::move(check.claims);
}

std::int64_t subject_id(const JwtClaims& claims) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(claims.sub.data(), claims.sub.data() + claims.sub.size(), id);
  if (ec != std::errc() || end != claims.sub.data() + claims.sub.size() || id <= 0)
    unauthorized("the token's subject is not a user");
  return id;
}

// ---- rate limit -----------------------------------------------------------

// Counts the request against its owner's limit and sets the RateLimit-*
// headers; 429 over it. With Redis down, passes for config.rate_fail_open
// from the first failure (logged once per outage), then 503.
asio::awaitable<void> take_rate(Request& req, Response& res, const Config& config,
                                std::int64_t owner, std::string_view tier) {
  static std::atomic<bool> logged_down{false};
  auto& services = services_of(req);
  long long limit = tier == "premium" ? config.rate_premium : config.rate_free;
  auto& down_since = services.tokens().limiter_down_since();
  db::RateDecision d;
  try {
    auto key = "tern:rate:" + std::to_string(owner);
    d = co_await db::take_rate(services.redis(), key, limit);
  } catch (const BackingError& e) {
    if (!e.unavailable()) throw;  // an error reply is no outage
    auto now = std::chrono::steady_clock::now();
    if (!down_since) down_since = now;
    if (!logged_down.exchange(true))
      log::warn(std::string("rate limit: Redis unavailable (") + e.what() +
                "); /v2 is not rate limited for up to " +
                std::to_string(config.rate_fail_open.count()) + " s");
    if (now - *down_since < config.rate_fail_open) co_return;
    throw;  // open long enough: 503
  }
  if (down_since) {
    down_since.reset();
    if (logged_down.exchange(false)) log::info("rate limit: Redis is back");
  }
  if (!d.allowed)
    throw HttpError(429, "rate_limited", "too many requests for this domain's plan; retry later")
        .with_header("RateLimit-Limit", std::to_string(d.limit))
        .with_header("RateLimit-Remaining", "0")
        .with_header("RateLimit-Reset", std::to_string(d.reset))
        .with_header("Retry-After", std::to_string(d.retry_after));
  res.set_header("RateLimit-Limit", std::to_string(d.limit));
  res.set_header("RateLimit-Remaining", std::to_string(d.remaining));
  res.set_header("RateLimit-Reset", std::to_string(d.reset));
}

asio::awaitable<JwtClaims> authorize(Request& req, Response& res, const Config& config) {
  auto claims = require_token(req);
  co_await take_rate(req, res, config, subject_id(claims), claims.tier);
  co_return claims;
}

void write_posts_payload(Response& res, const db::PostPage& page) {
  std::string body;
  JsonWriter w(body);
  w.begin_object().field("code", 200).key("payload").begin_array();
  for (const auto& p : page.posts)
    write_post(w, p);
  w.end_array().end_object();
  res.json(200, std::move(body));
}

}  // namespace

http::Middleware token_api_gate() {
  return [](Request& req, Response& res, http::Next next) -> asio::awaitable<void> {
    if (http::path_under(req.path, "/v1"))
      throw HttpError(410, "gone", "API v1 is retired: use /v2 (see API.md)");
    if (!http::path_under(req.path, "/v2")) {
      co_await next();
      co_return;
    }
    auto origin = req.header("origin");
    bool allowed = origin && co_await origin_registered(req, *origin);
    if (req.method == http::Method::options) {
      if (!allowed) throw HttpError(403, "origin_not_registered", "this origin is not registered");
      res.status = 204;
      allow_origin(res, *origin);
      res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.set_header("Access-Control-Max-Age", "600");
      res.set_header("Vary", "Origin");
      co_return;
    }
    // The route's errors are rendered here so that they carry the CORS
    // headers too: a browser shows a page its 401 or 429 only with them.
    std::exception_ptr failure;
    try {
      co_await next();
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) http::render_error(failure, req, res, http::status_code_error);
    if (allowed) allow_origin(res, *origin);
    res.set_header("Vary", "Origin");
  };
}

void add_token_routes(http::Router& router, const Config& config) {
  router.post("/v2/token", [&config](Request& req, Response& res) -> asio::awaitable<void> {
    auto fields = req.fields();
    auto secret = field(fields, "clientSecret");
    if (secret.empty() || secret.size() > 128) unauthorized("unknown client secret");
    auto& pg = services_of(req).pg();
    auto subject = co_await db::domains::subject_by_secret(pg, std::move(secret));
    if (!subject) unauthorized("unknown client secret");
    co_await take_rate(req, res, config, subject->user_id, subject->type);
    auto pair = co_await issue_pair(req, config, *subject, std::nullopt);
    write_pair(res, pair, "token issued");
  });

  router.post("/v2/token/refresh", [&config](Request& req, Response& res) -> asio::awaitable<void> {
    auto fields = req.fields();
    auto presented = field(fields, "refreshToken");
    if (presented.size() != kRefreshTokenChars || !base64url_decode(presented))
      unauthorized("unknown refresh token");
    auto digest = digest_of(presented);
    auto& pg = services_of(req).pg();
    auto used = co_await db::refresh_tokens::consume(pg, digest);
    if (used.outcome == db::refresh_tokens::Outcome::reused)
      unauthorized("refresh token used twice: every token of its family is revoked");
    if (used.outcome != db::refresh_tokens::Outcome::granted)
      unauthorized("unknown or expired refresh token");
    auto subject = co_await db::domains::subject_of(pg, used.grant.domain_id);
    if (!subject) unauthorized("the domain of this refresh token is gone");
    // Not rate limited: the token is spent by now, and a 429 here would lose
    // its successor (each refresh token works once, so refreshing cannot be
    // repeated for volume anyway).
    auto pair = co_await issue_pair(req, config, *subject, used.grant.family);
    write_pair(res, pair, "token refreshed");
  });

  router.post("/v2/token/revoke", [&config](Request& req, Response& res) -> asio::awaitable<void> {
    auto claims = require_token(req);
    auto& services = services_of(req);
    // The set first: a process that resubscribes rebuilds from it, so a
    // revocation it missed on the channel is still honoured.
    auto& redis = services.redis();
    auto added = co_await redis.command("ZADD", kRevokedSet, claims.exp, claims.jti);
    if (added.is_error())
      throw HttpError(503, "service_unavailable", "revocation could not be stored; retry");
    // (an entry is needed until exp + leeway, when verify refuses it anyway)
    auto expired_before = unix_now() - config.jwt_leeway.count() - 1;
    co_await redis.command("ZREMRANGEBYSCORE", kRevokedSet, "-inf", expired_before);
    auto message = claims.jti + " " + std::to_string(claims.exp);
    co_await redis.command("PUBLISH", kRevokedChannel, message);
    services.tokens().deny(claims.jti, claims.exp);
    res.no_content();
  });

  router.get("/v2/test", [&config](Request& req, Response& res) -> asio::awaitable<void> {
    auto claims = co_await authorize(req, res, config);
    std::string body;
    JsonWriter w(body);
    w.begin_object().field("code", 200).key("payload");
    write_claims(w, claims, claims.iss);
    w.end_object();
    res.json(200, std::move(body));
  });

  router.get("/v2/posts/my", [&config](Request& req, Response& res) -> asio::awaitable<void> {
    auto claims = co_await authorize(req, res, config);
    db::PageQuery q{.before = 0, .limit = kPostsPerAnswer, .viewer = subject_id(claims)};
    write_posts_payload(res, co_await db::posts::by_user(services_of(req).pg(), q.viewer, q));
  });

  router.get(
      "/v2/posts/hashtag/:title", [&config](Request& req, Response& res) -> asio::awaitable<void> {
        auto claims = co_await authorize(req, res, config);
        auto tag = hashtag_param(req, "title");
        db::PageQuery q{.before = 0, .limit = kPostsPerAnswer, .viewer = subject_id(claims)};
        write_posts_payload(res, co_await db::posts::by_hashtag(services_of(req).pg(), tag, q));
      });
}

}  // namespace tern::handlers
