// The one place where a failed request becomes a response.
//
// Whatever a dispatch throws lands here: an HttpError is answered as it says
// (with its headers); a BackingError whose service is unavailable is a 503
// with Retry-After (its detail goes to the log, never to the client);
// anything else is a bug, logged and answered 500. The response the handler
// had started is cleared first, so no half-built header or body leaks into
// the error.
//
// The body's shape depends on where the request went: /auth and /api answer
// {"error":{"code","message"}}, the token API {"code","message"} (API.md).
// A route group (Router::group) picks the shape; json_error is the default.
#pragma once

#include <exception>
#include <string_view>

#include "http/request.hpp"
#include "http/response.hpp"

namespace tern::http {

// Writes an error body of some shape into `res` (status, type and body).
using ErrorShape = void (*)(Response& res, int status, std::string_view code,
                            std::string_view message);

// {"error":{"code":...,"message":...}} — /auth, /api and anything unrouted.
void json_error(Response& res, int status, std::string_view code, std::string_view message);
// {"code":<status>,"message":...} — the NodeBird-compatible token API.
void status_code_error(Response& res, int status, std::string_view code, std::string_view message);

// Renders `error` (a caught exception) into `res` in the given shape.
void render_error(std::exception_ptr error, const Request& req, Response& res, ErrorShape shape);

}  // namespace tern::http
