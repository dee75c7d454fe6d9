// Sessions for the web client: /auth/join, /auth/login, /auth/logout and
// /api/me (API.md, "Sessions"), plus what every other session route needs:
// who is signed in (session_user) and the Origin check against CSRF.
#pragma once

#include <asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "http/router.hpp"

namespace tern {
class ThreadPool;
}

namespace tern::handlers {

struct SignedIn {
  std::string session_id;
  std::int64_t user_id = 0;
};

// The request's session, if its cookie is genuine and the store knows it.
asio::awaitable<std::optional<SignedIn>> session_user(const http::Request& req,
                                                      const Config& config);

class HashAdmission;

// `hashing` bounds the password hashes of one client address (join and login).
void add_auth_routes(http::Router& router, const Config& config, ThreadPool& pool,
                     HashAdmission& hashing);

// Middleware against CSRF (API.md, "Sessions"): a state-changing request
// (POST, PUT, PATCH, DELETE) under /auth or /api whose Origin is present and
// is not TERN_PUBLIC_ORIGIN ("null" included), or whose Sec-Fetch-Site is
// cross-site, is refused with 403 before any handler runs — cookie or not.
http::Middleware origin_check(const Config& config);

}  // namespace tern::handlers
