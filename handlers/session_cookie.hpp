// The session cookie: "<id>.<mac>", where id is 256 random bits (OpenSSL's
// RAND_bytes) and mac is HMAC-SHA256(TERN_SESSION_SECRET, id), both base64url.
// A forged or altered cookie fails the MAC check on the loop thread, in
// microseconds, before any store is asked.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tern::handlers {

std::string new_session_id();
std::string sign_session_id(std::string_view id, std::string_view secret);
// The session id, if `cookie` carries a valid MAC for it.
std::optional<std::string> verify_session_cookie(std::string_view cookie, std::string_view secret);
// Returned by /auth/login as csrfToken: bound to the session, for clients
// that want a header-based check; the Origin check protects without it.
std::string csrf_token(std::string_view id, std::string_view secret);

}  // namespace tern::handlers
