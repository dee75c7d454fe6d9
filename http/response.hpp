// An HTTP response as a handler builds it: status, headers, body. The
// connection adds Date, Server, Content-Length and Connection itself when it
// serializes, so a handler cannot get framing wrong.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/cookie.hpp"

namespace tern::http {

// How a response is framed on the wire; the default is a response on a
// connection that closes after it (an error, a refusal).
struct Framing {
  bool keep_alive = false;
  bool http10 = false;            // the request was HTTP/1.0: answer in kind
  bool omit_body = false;         // the answer to HEAD: headers only
  std::string_view request_id{};  // sent as X-Request-Id when set
  std::string_view hsts{};        // sent as Strict-Transport-Security when set (TLS only)
};

class Response {
 public:
  int status = 200;
  std::string content_type;
  std::string body;
  // Set by a handler to close the connection after this response.
  bool close = false;

  // Replaces any header of that name (compared case-insensitively). Both
  // setters throw std::invalid_argument on CR/LF, so no value can split a head.
  void set_header(std::string_view name, std::string value);
  // Adds a header even if one of that name exists (Set-Cookie, Vary).
  void add_header(std::string name, std::string value);
  std::optional<std::string_view> header(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

  void set_cookie(const SetCookie& cookie) { add_header("Set-Cookie", cookie.to_string()); }

  void text(int code, std::string text, std::string type = "text/plain; charset=utf-8");
  void json(int code, std::string json_text);
  // The JSON error body of /auth and /api: {"error":{"code":...,"message":...}}.
  void error(int code, std::string_view error_code, std::string_view message);
  void no_content() { status = 204, body.clear(), content_type.clear(); }

  void clear();

  // Appends status line, headers and the body to `out`. Every response gets
  // the headers API.md asks of all of them (nosniff, Referrer-Policy,
  // Cross-Origin-Opener-Policy) here, the one place all responses pass.
  void serialize(std::string& out, Framing framing) const;

 private:
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace tern::http
