// Incremental HTTP/1.1 request parsing with llhttp.
//
// Bytes go in as they arrive; feed() stops at the end of each message so
// pipelined requests are handled one at a time and in order. Limits live here,
// where the bytes are counted, not in the handlers: the head is bounded
// (431), and the body limit is decided when the head is complete — by a
// callback that routes the request — so an oversized Content-Length is refused
// (413) before a single body byte is read, and a chunked body the moment it
// grows past the limit.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "http/request.hpp"

namespace tern::http {

class RequestParser {
 public:
  enum class Event {
    need_more,         // all input consumed; the message is not complete
    message_complete,  // request() is ready; call next() before feeding more
    error,             // error_status() says how to answer; close afterwards
  };

  // Called once the head is parsed; returns the body limit for this request.
  using HeadCallback = std::function<std::size_t(Request&)>;

  RequestParser(std::size_t max_head_bytes, HeadCallback on_head);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses from `data`; sets `consumed` to the bytes used (the rest belongs to
  // the next request, or is unread after an error).
  Event feed(const char* data, std::size_t size, std::size_t& consumed);
  Request& request() { return request_; }
  // Prepares for the next request on the same connection.
  void next();
  // Between requests: frees buffers whose capacity is over `keep` bytes.
  void shrink(std::size_t keep);
  // Heap bytes the parser and its request hold on to (capacity, not size).
  std::size_t retained_bytes() const;

  bool head_complete() const { return head_complete_; }
  // From the head callback: this body streams. The parser then keeps only the
  // bytes of the last feed() in request().body, for the caller to hand on and
  // clear, and counts the limit over the whole body.
  void stream_body() { streaming_ = true; }
  bool streaming() const { return streaming_; }
  // True once any byte of the current request has been seen.
  bool in_message() const { return started_; }
  // The client sent "Expect: 100-continue" and still awaits the body.
  bool expects_continue() const { return expect_continue_; }

  int error_status() const { return error_status_; }
  const std::string& error_reason() const { return error_reason_; }

 private:
  static int on_message_begin(llhttp_t*);
  static int on_url(llhttp_t*, const char*, std::size_t);
  static int on_header_field(llhttp_t*, const char*, std::size_t);
  static int on_header_field_complete(llhttp_t*);
  static int on_header_value(llhttp_t*, const char*, std::size_t);
  static int on_header_value_complete(llhttp_t*);
  static int on_headers_complete(llhttp_t*);
  static int on_body(llhttp_t*, const char*, std::size_t);
  static int on_message_complete(llhttp_t*);

  int fail(int status, std::string reason);
  bool scan_head(const char* data, std::size_t size);
  bool append_head(const char* at, std::size_t n);
  bool finish_head();

  llhttp_settings_t settings_;
  llhttp_t parser_;
  Request request_;
  HeadCallback on_head_;
  const std::size_t max_head_;

  // Offsets into request_.head_ while the head is still growing.
  std::size_t url_end_ = 0;
  struct Span {
    std::size_t name_begin, name_end, value_begin, value_end;
  };
  std::vector<Span> spans_;
  bool field_open_ = false;

  std::size_t body_limit_ = 0;
  std::size_t body_seen_ = 0;
  bool streaming_ = false;
  bool started_ = false;
  bool head_complete_ = false;
  bool expect_continue_ = false;
  bool message_complete_ = false;
  // scan_head's place in the head: lines seen, bytes on the current line.
  bool head_scanned_ = false;
  std::size_t head_lines_ = 0;
  std::size_t line_bytes_ = 0;
  int error_status_ = 0;
  std::string error_reason_;
};

}  // namespace tern::http
