#include "handlers/auth.hpp"

#include "core/json_writer.hpp"
#include "core/metrics.hpp"
#include "core/origin.hpp"
#include "core/thread_pool.hpp"
#include "core/utf8.hpp"
#include "db/pg_error.hpp"
#include "db/rate_counter.hpp"
#include "db/users.hpp"
#include "handlers/hash_admission.hpp"
#include "handlers/input.hpp"
#include "handlers/login_throttle.hpp"
#include "handlers/loop_services.hpp"
#include "handlers/session_cookie.hpp"
#include "http/client_address.hpp"
#include "http/cookie.hpp"
#include "http/error.hpp"
#include "http/text.hpp"
#include "http/url.hpp"
#include "workers/password.hpp"

namespace tern::handlers {

using http::HttpError;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kCookie = "sid";

void require(bool ok, std::string_view code, const std::string& message) {
  if (!ok) throw HttpError(400, std::string(code), message);
}

// Deliberately simple: one '@', something on both sides, a dot in the
// domain, no spaces or control characters. Deliverability is the mail
// server's business.
bool plausible_email(std::string_view e) {
  auto at = e.find('@');
  if (at == 0 || at == std::string_view::npos || e.find('@', at + 1) != std::string_view::npos)
    return false;
  auto domain = e.substr(at + 1);
  auto dot = domain.find('.');
  if (dot == 0 || dot == std::string_view::npos || domain.back() == '.') return false;
  for (unsigned char c : e)
    if (c <= 0x20 || c == 0x7F) return false;
  return true;
}

void write_user(JsonWriter& w, const db::User& u) {
  w.begin_object()
      .field("id", u.id)
      .field("email", u.email)
      .field("nick", u.nick)
      .field("createdAt", u.created_at)
      .end_object();
}

http::SetCookie session_cookie(const Config& config, std::string value) {
  http::SetCookie c;
  c.name = std::string(kCookie);
  c.value = std::move(value);
  c.secure = config.public_origin.starts_with("https://");
  return c;
}

[[noreturn]] void bad_credentials() {
  throw HttpError(401, "invalid_credentials", "wrong email or password");
}

[[noreturn]] void too_many(std::string_view code, std::string_view message, long long wait) {
  throw HttpError(429, std::string(code), std::string(message))
      .with_header("Retry-After", std::to_string(std::max(1LL, wait)));
}

// A place in the address's share of the hashing, or 429.
HashAdmission::Ticket admit_hash(HashAdmission& hashing, const Request& req) {
  auto ticket = hashing.try_admit(req.client_address);
  if (!ticket)
    too_many("too_many_requests", "too many requests from your address at once; retry", 1);
  return std::move(*ticket);
}

}  // namespace

http::Middleware session_identity(const Config& config) {
  return [&config](Request& req, Response&, http::Next next) -> asio::awaitable<void> {
    if (auto header = req.header("cookie");
        header && (http::path_under(req.path, "/api") || http::path_under(req.path, "/auth"))) {
      auto cookie = http::find_cookie(http::parse_cookies(*header), kCookie);
      auto id = cookie ? verify_session_cookie(*cookie, config.session_secret) : std::nullopt;
      if (id) {  // forged or altered: no store lookup
        if (auto data = co_await services_of(req).sessions().load(*id))
          req.identity = {data->user_id, std::move(*id)};
      }
      if (auto* m = req.metrics) {
        auto& outcome = !cookie                    ? m->sessions_absent
                        : req.identity.signed_in() ? m->sessions_valid
                                                   : m->sessions_invalid;
        outcome.add();
      }
    }
    co_await next();
  };
}

std::int64_t require_signed_in(const Request& req) {
  if (!req.identity.signed_in()) throw HttpError(401, "unauthorized", "not logged in");
  return req.identity.user_id;
}

void add_auth_routes(http::Router& router, const Config& config, ThreadPool& pool,
                     HashAdmission& hashing) {
  router.post(
      "/auth/join",
      [&config, &pool, &hashing](Request& req, Response& res) -> asio::awaitable<void> {
        auto fields = req.fields();
        std::string email = field(fields, "email"), nick = field(fields, "nick"),
                    password = field(fields, "password");
        require(email.size() <= 254 && plausible_email(email), "invalid_email",
                "email must be a valid address of at most 254 characters");
        require(utf8::length(nick) >= 1 && utf8::length(nick) <= 15, "invalid_nick",
                "nick must be 1 to 15 characters");
        require(utf8::length(password) >= 8 && utf8::length(password) <= 128, "invalid_password",
                "password must be 8 to 128 characters");
        auto ticket = admit_hash(hashing, req);
        // Every valid join costs a hash and a row: an address gets so many per window.
        std::vector<db::RateKey> limit{
            {"join:addr:" + http::address_bucket(req.client_address), config.join_max_per_address}};
        if (long long wait =
                co_await db::reserve(services_of(req).redis(), limit, config.join_window))
          too_many("too_many_joins", "too many accounts created from your address; try later",
                   wait);
        std::string hash = co_await workers::hash_password_on(pool, password);
        db::User user;
        try {
          user = co_await db::users::create(services_of(req).pg(), email, nick, hash);
        } catch (const db::PgError& e) {
          if (e.kind() == db::PgError::Kind::unique_violation)
            throw HttpError(409, "email_taken", "an account with this email exists");
          if (e.kind() == db::PgError::Kind::invalid_input ||
              e.kind() == db::PgError::Kind::check_violation)
            throw HttpError(400, "invalid_input", "the email or nick cannot be stored");
          throw;
        }
        std::string body;
        JsonWriter w(body);
        w.begin_object().key("user");
        write_user(w, user);
        w.end_object();
        res.json(201, std::move(body));
      });

  router.post(
      "/auth/login",
      [&config, &pool, &hashing](Request& req, Response& res) -> asio::awaitable<void> {
        auto fields = req.fields();
        std::string email = field(fields, "email"), password = field(fields, "password");
        if (email.empty() || password.empty() || email.size() > 254 || password.size() > 512)
          bad_credentials();
        auto& services = services_of(req);
        std::optional<db::User> user;
        try {
          user = co_await db::users::find_by_email(services.pg(), email);
        } catch (const db::PgError& e) {
          if (e.kind() != db::PgError::Kind::invalid_input) throw;  // e.g. bad UTF-8: no such user
        }
        auto ticket = admit_hash(hashing, req);
        LoginThrottle throttle(services.redis(), config, email,
                               user ? std::optional(user->id) : std::nullopt, req.client_address);
        // Counted before the hash, so a burst cannot outrun the count.
        if (long long wait = co_await throttle.reserve())
          too_many("too_many_attempts", "too many failed logins; try again later", wait);
        bool ok = false;
        std::exception_ptr unchecked;
        try {
          ok = user ? co_await workers::verify_password_on(pool, password, user->password_hash)
                    : co_await workers::verify_unknown_user_on(pool, password);
        } catch (...) {
          unchecked = std::current_exception();  // e.g. PoolFull: a 503, not a failure
        }
        if (unchecked) {
          try {
            co_await throttle.not_attempted();
          } catch (const std::exception&) {
            // Redis is the likely cause; the attempt then expires with its window.
          }
          std::rethrow_exception(unchecked);
        }
        if (!ok) bad_credentials();  // the reserved attempt stays counted
        co_await throttle.succeeded();

        // A new id at every login (no fixation); the old session, if any, ends.
        if (req.identity.signed_in()) co_await services.sessions().remove(req.identity.session_id);
        std::string id = new_session_id();
        co_await services.sessions().save(id, db::SessionData{user->id, db::unix_now()});
        res.set_cookie(session_cookie(config, sign_session_id(id, config.session_secret)));
        std::string body;
        JsonWriter w(body);
        w.begin_object().key("user");
        write_user(w, *user);
        w.field("csrfToken", csrf_token(id, config.session_secret)).end_object();
        res.json(200, std::move(body));
      });

  router.post("/auth/logout", [&config](Request& req, Response& res) -> asio::awaitable<void> {
    if (req.identity.signed_in())
      co_await services_of(req).sessions().remove(req.identity.session_id);
    auto clear = session_cookie(config, "");
    clear.max_age = std::chrono::seconds(0);
    res.set_cookie(clear);
    res.no_content();
  });

  router.get("/api/me", [](Request& req, Response& res) -> asio::awaitable<void> {
    auto me = co_await services_of(req).me().load(require_signed_in(req));
    if (!me) throw HttpError(401, "unauthorized", "not logged in");  // the account is gone
    std::string body;
    body.reserve(192 + 21 * me->following_ids.size());  // one allocation for the whole body
    JsonWriter w(body);
    w.begin_object()
        .field("id", me->user.id)
        .field("email", me->user.email)
        .field("nick", me->user.nick)
        .field("followerCount", me->follower_count)
        .field("followingCount", me->following_count)
        .key("followingIds")
        .begin_array();
    for (auto id : me->following_ids)
      w.value(id);
    w.end_array().end_object();
    res.json(200, std::move(body));
  });
}

http::Middleware origin_check(const Config& config) {
  return [&config](Request& req, Response&, http::Next next) -> asio::awaitable<void> {
    bool changes_state = req.method == http::Method::post || req.method == http::Method::put ||
                         req.method == http::Method::patch || req.method == http::Method::del;
    if (changes_state &&
        (http::path_under(req.path, "/auth") || http::path_under(req.path, "/api"))) {
      // With or without a session cookie: a cross-site login signs the
      // victim into the attacker's account (login CSRF), a cross-site logout
      // signs them out. An opaque origin ("null": sandboxed frames, some
      // redirects) is never ours.
      if (auto origin = req.header("origin")) {
        auto normalized = normalize_origin(*origin);
        bool ours = normalized && *normalized == config.public_origin;
        if (!ours && normalized && config.public_origin_derived)
          if (auto host = req.header("host"))
            ours = normalize_origin("http://" + std::string(*host)) == normalized;
        if (!ours) throw HttpError(403, "forbidden_origin", "cross-site request refused");
      }
      if (auto site = req.header("sec-fetch-site"); site && http::iequals(*site, "cross-site"))
        throw HttpError(403, "forbidden_origin", "cross-site request refused");
    }
    co_await next();
  };
}

}  // namespace tern::handlers
