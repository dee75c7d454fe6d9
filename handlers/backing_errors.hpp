// A backing service that is down is a 503, never a 500: this middleware turns
// the data layer's "unavailable" errors (PostgreSQL or Redis unreachable,
// connection lost with the request's query in flight, timed out) into
// 503 {"error": {"code": "service_unavailable", ...}} with Retry-After.
// Anything else passes through untouched.
#pragma once

#include "http/router.hpp"

namespace tern::handlers {

asio::awaitable<void> backing_errors(http::Request& req, http::Response& res, http::Next next);

}  // namespace tern::handlers
