#include "http/parser.hpp"

#include <cstring>

#include "http/text.hpp"

namespace tern::http {
namespace {

constexpr std::size_t kMaxHeaders = 100;
// RFC 9112 §3 recommends supporting request lines of at least 8000 octets;
// longer targets are refused with 414 whatever the head limit.
constexpr std::size_t kMaxTarget = 8 << 10;
constexpr std::size_t kNone = static_cast<std::size_t>(-1);
// Bytes a header line costs beyond its name and value (": " and CRLF), so the
// head limit is close to what was actually on the wire.
constexpr std::size_t kHeaderOverhead = 4;

RequestParser& self(llhttp_t* p) {
  return *static_cast<RequestParser*>(p->data);
}

Method to_method(std::uint8_t m) {
  switch (m) {
    case HTTP_GET:
      return Method::get;
    case HTTP_HEAD:
      return Method::head;
    case HTTP_POST:
      return Method::post;
    case HTTP_PUT:
      return Method::put;
    case HTTP_PATCH:
      return Method::patch;
    case HTTP_DELETE:
      return Method::del;
    case HTTP_OPTIONS:
      return Method::options;
    default:
      return Method::other;
  }
}

}  // namespace

RequestParser::RequestParser(std::size_t max_head_bytes, HeadCallback on_head)
    : on_head_(std::move(on_head)), max_head_(max_head_bytes) {
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = on_message_begin;
  settings_.on_url = on_url;
  settings_.on_header_field = on_header_field;
  settings_.on_header_value = on_header_value;
  settings_.on_header_field_complete = on_header_field_complete;
  settings_.on_header_value_complete = on_header_value_complete;
  settings_.on_headers_complete = on_headers_complete;
  settings_.on_body = on_body;
  settings_.on_message_complete = on_message_complete;
  llhttp_init(&parser_, HTTP_REQUEST, &settings_);
  parser_.data = this;
}

RequestParser::Event RequestParser::feed(const char* data, std::size_t size,
                                         std::size_t& consumed) {
  consumed = 0;
  if (error_status_) return Event::error;
  if (!head_scanned_ && !scan_head(data, size)) {
    fail(400, "obsolete line folding in the request head");
    return Event::error;
  }
  llhttp_errno_t err = llhttp_execute(&parser_, data, size);
  switch (err) {
    case HPE_OK:
      consumed = size;
      return Event::need_more;
    case HPE_PAUSED:
      consumed = static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - data);
      // Only on_message_complete pauses; anything else would mean answering
      // a request that was never read.
      if (message_complete_) return Event::message_complete;
      fail(400, "unexpected parser pause");
      return Event::error;
    default:
      if (const char* pos = llhttp_get_error_pos(&parser_); pos && pos >= data)
        consumed = static_cast<std::size_t>(pos - data);
      if (!error_status_) fail(400, llhttp_get_error_reason(&parser_));
      return Event::error;
  }
}

void RequestParser::next() {
  if (llhttp_get_errno(&parser_) == HPE_PAUSED) llhttp_resume(&parser_);
  request_.clear();
  spans_.clear();
  url_end_ = 0;
  field_open_ = false;
  body_limit_ = body_seen_ = 0;
  streaming_ = false;
  started_ = head_complete_ = expect_continue_ = message_complete_ = false;
  head_scanned_ = false;
  head_lines_ = line_bytes_ = 0;
}

// llhttp 8 merges an obs-fold (a line break followed by a space or tab) into
// the header above it, even in strict mode — the pattern behind
// CVE-2024-27982, where "X: 1\r\n Content-Length: 5" hides a header from
// tern that a proxy in front may well see. RFC 9112 §5.2 lets a server
// refuse it; we do, by looking at the head's line starts before llhttp does.
bool RequestParser::scan_head(const char* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    char c = data[i];
    if (c == '\n') {
      if (line_bytes_ == 0 && head_lines_ > 0) {
        head_scanned_ = true;  // the empty line: the body, or the next request, follows
        return true;
      }
      head_lines_ += line_bytes_ > 0;  // blank lines before the request line don't count
      line_bytes_ = 0;
      continue;
    }
    if (c == '\r') continue;  // strict llhttp refuses a CR without its LF
    if (line_bytes_ == 0 && head_lines_ > 0 && (c == ' ' || c == '\t')) return false;
    ++line_bytes_;
  }
  return true;
}

void RequestParser::shrink(std::size_t keep) {
  request_.shrink(keep);
  if (spans_.capacity() * sizeof(Span) > keep) std::vector<Span>().swap(spans_);
}

std::size_t RequestParser::retained_bytes() const {
  return request_.retained_bytes() + spans_.capacity() * sizeof(Span);
}

int RequestParser::fail(int status, std::string reason) {
  error_status_ = status;
  error_reason_ = std::move(reason);
  return -1;
}

bool RequestParser::append_head(const char* at, std::size_t n) {
  auto& head = request_.head_;
  if (head.size() + n + spans_.size() * kHeaderOverhead > max_head_) {
    fail(431, "request head too large");
    return false;
  }
  head.append(at, n);
  return true;
}

int RequestParser::on_message_begin(llhttp_t* p) {
  self(p).started_ = true;
  return 0;
}

int RequestParser::on_url(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = self(p);
  if (s.request_.head_.size() + n > kMaxTarget) return s.fail(414, "request target too long");
  if (!s.append_head(at, n)) return -1;
  s.url_end_ = s.request_.head_.size();
  return 0;
}

int RequestParser::on_header_field(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = self(p);
  if (s.head_complete_) return 0;  // chunked trailers: accepted, not kept
  if (!s.field_open_) {
    if (s.spans_.size() == kMaxHeaders) return s.fail(431, "too many headers");
    std::size_t pos = s.request_.head_.size();
    s.spans_.push_back({pos, pos, kNone, kNone});
    s.field_open_ = true;
  }
  // Whitespace before the colon ("Host : x") must be refused (RFC 9112
  // §5.1): a proxy in front may read it differently. llhttp's strict mode
  // refuses it too, its lenient mode does not; checking the token here keeps
  // that from depending on how llhttp was built.
  for (std::size_t i = 0; i < n; ++i)
    if (!is_tchar(at[i])) return s.fail(400, "invalid character in header name");
  std::size_t from = s.request_.head_.size();
  if (!s.append_head(at, n)) return -1;
  // Header names are case-insensitive; store them lower-cased once so every
  // lookup is a plain comparison.
  for (std::size_t i = from; i < s.request_.head_.size(); ++i) {
    char& c = s.request_.head_[i];
    c = ascii_lower(c);
  }
  s.spans_.back().name_end = s.request_.head_.size();
  return 0;
}

int RequestParser::on_header_field_complete(llhttp_t* p) {
  auto& s = self(p);
  if (s.head_complete_) return 0;
  // A name is one or more token characters (": x" has none); checked here,
  // not per piece, since a piece may be empty when a read ends at the colon.
  if (!s.field_open_ || s.spans_.back().name_end == s.spans_.back().name_begin)
    return s.fail(400, "empty header name");
  return 0;
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = self(p);
  if (s.head_complete_) return 0;
  auto& span = s.spans_.back();
  if (s.field_open_) {
    s.field_open_ = false;
    span.value_begin = s.request_.head_.size();
  }
  // A CR or LF inside a value is an obs-fold or a bare line break that
  // llhttp folded in: both let one header hide another (RFC 9112 §5.2).
  if (std::memchr(at, '\r', n) || std::memchr(at, '\n', n))
    return s.fail(400, "line folding or bare CR/LF in a header value");
  if (!s.append_head(at, n)) return -1;
  span.value_end = s.request_.head_.size();
  return 0;
}

int RequestParser::on_header_value_complete(llhttp_t* p) {
  auto& s = self(p);
  if (s.head_complete_) return 0;
  if (s.field_open_) {  // empty value: no on_header_value call
    s.field_open_ = false;
    s.spans_.back().value_begin = s.spans_.back().value_end = s.request_.head_.size();
  }
  return 0;
}

bool RequestParser::finish_head() {
  Request& r = request_;
  std::string_view head = r.head_;
  r.target = head.substr(0, url_end_);
  r.headers.clear();
  for (const auto& sp : spans_) {
    std::string_view name = head.substr(sp.name_begin, sp.name_end - sp.name_begin);
    std::string_view value;
    if (sp.value_begin != kNone) value = head.substr(sp.value_begin, sp.value_end - sp.value_begin);
    r.headers.push_back({name, trim_ows(value)});
  }

  std::string_view target = r.target;
  if (target.starts_with("http://") || target.starts_with("https://")) {
    // absolute-form (RFC 9112 §3.2.2): the path starts after the authority.
    auto authority = target.find("//") + 2;
    auto slash = target.find('/', authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  if (target.empty() || (target[0] != '/' && target != "*")) {
    fail(400, "malformed request target");
    return false;
  }
  auto q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  if (auto hash = r.query.find('#'); hash != std::string_view::npos)
    r.query = r.query.substr(0, hash);

  r.method = to_method(parser_.method);
  r.method_text = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
  r.version_major = parser_.http_major;
  r.version_minor = parser_.http_minor;
  r.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
  if (r.version_major != 1) {
    fail(505, "only HTTP/1.x is supported");
    return false;
  }
  // RFC 9112 §3.2: exactly one Host on HTTP/1.1 (at most one on 1.0), so
  // that tern and anything in front of it agree on which site is asked for.
  std::size_t hosts = 0;
  for (const auto& h : r.headers)
    hosts += h.name == "host";
  if (hosts > 1 || (hosts == 0 && r.version_minor >= 1)) {
    fail(400, hosts ? "more than one Host header" : "missing Host header");
    return false;
  }
  if (auto expect = r.header("expect")) {
    if (!iequals(*expect, "100-continue")) {
      fail(417, "unsupported expectation");
      return false;
    }
    expect_continue_ = r.version_minor >= 1;
  }
  return true;
}

int RequestParser::on_headers_complete(llhttp_t* p) {
  auto& s = self(p);
  if (!s.finish_head()) return -1;
  // tern upgrades to nothing (no WebSocket, no h2c): an Upgrade request is a
  // plain request, and the bytes behind it are the next request, not another
  // protocol's. llhttp would otherwise stop parsing there for good. (CONNECT,
  // the other upgrade, never gets here: its target is not a path.)
  p->upgrade = 0;
  s.head_complete_ = true;
  s.body_limit_ = s.on_head_ ? s.on_head_(s.request_) : 0;
  if (s.parser_.flags & F_CONTENT_LENGTH) {
    if (s.parser_.content_length > s.body_limit_) return s.fail(413, "request body too large");
    // +64: simdjson reads JSON bodies in place and wants that much padding.
    if (!s.streaming_)
      s.request_.body.reserve(static_cast<std::size_t>(s.parser_.content_length) + 64);
  }
  bool has_body = (s.parser_.flags & F_CHUNKED) ||
                  ((s.parser_.flags & F_CONTENT_LENGTH) && s.parser_.content_length > 0);
  if (!has_body) s.expect_continue_ = false;
  return 0;
}

int RequestParser::on_body(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = self(p);
  s.expect_continue_ = false;  // the body is coming anyway
  if (s.body_seen_ + n > s.body_limit_) return s.fail(413, "request body too large");
  s.body_seen_ += n;
  s.request_.body.append(at, n);
  return 0;
}

int RequestParser::on_message_complete(llhttp_t* p) {
  auto& s = self(p);
  s.expect_continue_ = false;
  s.message_complete_ = true;
  s.request_.keep_alive = llhttp_should_keep_alive(p) != 0;
  // Stop here: the connection answers this request before parsing the next,
  // which is what keeps pipelined responses in order.
  return HPE_PAUSED;
}

}  // namespace tern::http
