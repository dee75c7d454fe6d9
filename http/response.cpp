#include "http/response.hpp"

#include <stdexcept>

#include "core/json_writer.hpp"
#include "http/date.hpp"
#include "http/status.hpp"
#include "http/text.hpp"

namespace tern::http {
namespace {

// A CR or LF in a header would let its value start a new header or body.
void check_header(std::string_view name, std::string_view value) {
  for (char c : name)
    if (c == '\r' || c == '\n' || c == ':' || c == ' ')
      throw std::invalid_argument("bad header name");
  for (char c : value)
    if (c == '\r' || c == '\n') throw std::invalid_argument("bad header value");
}

}  // namespace

void Response::set_header(std::string_view name, std::string value) {
  check_header(name, value);
  for (auto& [n, v] : headers_)
    if (iequals(n, name)) {
      v = std::move(value);
      return;
    }
  headers_.emplace_back(std::string(name), std::move(value));
}

void Response::add_header(std::string name, std::string value) {
  check_header(name, value);
  headers_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  for (const auto& [n, v] : headers_)
    if (iequals(n, name)) return v;
  return std::nullopt;
}

void Response::text(int code, std::string text, std::string type) {
  status = code;
  body = std::move(text);
  content_type = std::move(type);
}

void Response::json(int code, std::string json_text) {
  status = code;
  body = std::move(json_text);
  content_type = "application/json";
}

void Response::error(int code, std::string_view error_code, std::string_view message) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("error").begin_object();
  w.field("code", error_code).field("message", message);
  w.end_object().end_object();
  json(code, std::move(out));
}

void Response::clear() {
  status = 200;
  content_type.clear();
  if (body.capacity() > (64 << 10)) release_buffer(body);
  body.clear();
  close = false;
  headers_.clear();
}

void Response::serialize(std::string& out, Framing framing) const {
  auto [keep_alive, http10, omit_body, request_id, hsts] = framing;
  // 1xx, 204 and 304 never carry a body (RFC 9110 §6.4.1).
  bool bodiless = status < 200 || status == 204 || status == 304;
  out += http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_uint(out, static_cast<std::uint64_t>(status));
  out += ' ';
  out += reason_phrase(status);
  out += "\r\nServer: tern\r\nDate: ";
  out += current_http_date();
  out +=
      "\r\n"
      "X-Content-Type-Options: nosniff\r\n"
      "Referrer-Policy: strict-origin-when-cross-origin\r\n"
      "Cross-Origin-Opener-Policy: same-origin\r\n";
  if (!content_type.empty() && !bodiless) {
    out += "Content-Type: ";
    out += content_type;
    out += "\r\n";
  }
  if (!bodiless) {
    out += "Content-Length: ";
    append_uint(out, body.size());
    out += "\r\n";
  }
  if (!request_id.empty()) {
    out += "X-Request-Id: ";
    out += request_id;
    out += "\r\n";
  }
  if (!hsts.empty()) {
    out += "Strict-Transport-Security: ";
    out += hsts;
    out += "\r\n";
  }
  if (!keep_alive)
    out += "Connection: close\r\n";
  else if (http10)
    out += "Connection: keep-alive\r\n";
  for (const auto& [n, v] : headers_) {
    out += n;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += "\r\n";
  if (!omit_body && !bodiless) out += body;
}

}  // namespace tern::http
