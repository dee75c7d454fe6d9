// The token API (API.md, "Token API"): NodeBird's nodebird-api, strict.
//
//   POST /v2/token {clientSecret}      → an access token (JWT) and a refresh token
//   POST /v2/token/refresh             → a new pair; a refresh token works once
//   POST /v2/token/revoke (Bearer)     → 204; refused on every process within a second
//   GET  /v2/test, /v2/posts/my, /v2/posts/hashtag/:title
//   /v1/...                            → 410
//
// Checking a token runs on the loop with no network call: the signature and
// claims (core/jwt), then the loop's denylist (handlers/token_state). CORS is
// granted to registered domains only, and every token use counts against its
// domain owner's shared rate limit (db/rate_limit), which fails open for
// TERN_RATE_FAIL_OPEN_S when Redis is down so that the API stays up.
#pragma once

#include "core/config.hpp"
#include "http/router.hpp"

namespace tern::handlers {

// CORS for /v2 and 410 for /v1; install before the routes run (Router::use).
http::Middleware token_api_gate();

void add_token_routes(http::Router& router, const Config& config);

}  // namespace tern::handlers
