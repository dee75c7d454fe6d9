// Sessions for the web client: /auth/join, /auth/login, /auth/logout and
// /api/me (API.md, "Sessions"), plus what every other session route needs:
// the middleware that finds who is signed in (session_identity, which fills
// Request::identity) and the Origin check against CSRF.
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

// Middleware: for a request under /auth or /api whose session cookie is
// genuine (its MAC checks, no store lookup otherwise) and known to the store,
// sets req.identity to its user and session. Handlers read that, never the
// cookie.
http::Middleware session_identity(const Config& config);

// The signed-in user's id, or HttpError 401.
std::int64_t require_signed_in(const http::Request& req);

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
