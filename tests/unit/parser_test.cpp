#include <doctest/doctest.h>

#include <string>

#include "http/parser.hpp"

using tern::http::Method;
using tern::http::RequestParser;
using Event = RequestParser::Event;

namespace {

struct Fed {
  Event event;
  std::size_t consumed;
};

Fed feed(RequestParser& p, std::string_view s) {
  std::size_t used = 0;
  auto e = p.feed(s.data(), s.size(), used);
  return {e, used};
}

RequestParser make(std::size_t max_head = 16 << 10, std::size_t body_limit = 1 << 20) {
  return RequestParser(max_head, [body_limit](tern::http::Request&) { return body_limit; });
}

}  // namespace

TEST_CASE("parses a simple GET with headers, path and query") {
  auto p = make();
  auto r = feed(p, "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: h\r\nX-Thing:  v  \r\nEmpty:\r\n\r\n");
  REQUIRE(r.event == Event::message_complete);
  auto& req = p.request();
  CHECK(req.method == Method::get);
  CHECK(req.method_text == "GET");
  CHECK(req.target == "/a/b?x=1&y=%20");
  CHECK(req.path == "/a/b");
  CHECK(req.query == "x=1&y=%20");
  CHECK(req.header("host") == "h");
  CHECK(req.header("x-thing") == "v");
  CHECK(req.header("empty") == "");
  CHECK_FALSE(req.header("missing").has_value());
  CHECK(req.keep_alive);
  CHECK(req.query_params().size() == 2);
  CHECK(tern::http::find_param(req.query_params(), "y") == " ");
}

TEST_CASE("byte-at-a-time input gives the same request") {
  auto p = make();
  std::string raw =
      "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  Event last = Event::need_more;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto r = feed(p, std::string_view(raw).substr(i, 1));
    last = r.event;
    if (i + 1 < raw.size()) REQUIRE(last == Event::need_more);
  }
  REQUIRE(last == Event::message_complete);
  CHECK(p.request().body == "hello");
  CHECK(p.request().header("content-type") == "text/plain");
}

TEST_CASE("pipelined requests stop at each message boundary") {
  auto p = make();
  std::string raw = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
  auto r = feed(p, raw);
  REQUIRE(r.event == Event::message_complete);
  CHECK(p.request().path == "/1");
  std::string_view rest = std::string_view(raw).substr(r.consumed);
  p.next();
  r = feed(p, rest);
  REQUIRE(r.event == Event::message_complete);
  CHECK(p.request().path == "/2");
  CHECK(r.consumed == rest.size());
}

TEST_CASE("chunked bodies are reassembled and trailers ignored") {
  auto p = make();
  auto r = feed(p,
                "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: x\r\n\r\n");
  REQUIRE(r.event == Event::message_complete);
  CHECK(p.request().body == "Wikipedia");
  CHECK_FALSE(p.request().header("trailer").has_value());
}

TEST_CASE("HTTP/1.0 defaults to close, keep-alive header keeps it open") {
  auto p = make();
  REQUIRE(feed(p, "GET / HTTP/1.0\r\n\r\n").event == Event::message_complete);
  CHECK_FALSE(p.request().keep_alive);
  CHECK(p.request().is_http10());
  auto q = make();
  REQUIRE(feed(q, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").event ==
          Event::message_complete);
  CHECK(q.request().keep_alive);
  auto c = make();
  REQUIRE(feed(c, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").event ==
          Event::message_complete);
  CHECK_FALSE(c.request().keep_alive);
}

TEST_CASE("a head over the limit is 431") {
  auto p = make(1024);
  std::string raw = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n";
  auto r = feed(p, raw);
  CHECK(r.event == Event::error);
  CHECK(p.error_status() == 431);
}

TEST_CASE("too many headers is 431") {
  auto p = make();
  std::string raw = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 150; ++i)
    raw += "h" + std::to_string(i) + ": v\r\n";
  raw += "\r\n";
  CHECK(feed(p, raw).event == Event::error);
  CHECK(p.error_status() == 431);
}

TEST_CASE("Content-Length over the limit is refused before the body") {
  auto p = make(16 << 10, 10);
  auto r = feed(p, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n");
  CHECK(r.event == Event::error);
  CHECK(p.error_status() == 413);
}

TEST_CASE("a chunked body growing past the limit is 413") {
  auto p = make(16 << 10, 8);
  auto r =
      feed(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n");
  CHECK(r.event == Event::need_more);
  r = feed(p, "5\r\nfghij\r\n");
  CHECK(r.event == Event::error);
  CHECK(p.error_status() == 413);
}

TEST_CASE("Expect: 100-continue is reported until the body starts") {
  auto p = make();
  auto r =
      feed(p, "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  CHECK(r.event == Event::need_more);
  CHECK(p.head_complete());
  CHECK(p.expects_continue());
  r = feed(p, "abc");
  CHECK(r.event == Event::message_complete);
  CHECK_FALSE(p.expects_continue());
  auto q = make();
  feed(q, "POST / HTTP/1.1\r\nHost: h\r\nExpect: something-else\r\nContent-Length: 3\r\n\r\n");
  CHECK(q.error_status() == 417);
}

TEST_CASE("malformed requests are 400") {
  for (std::string raw :
       {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n", "GET nopath HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: "
        "3\r\n\r\n"}) {
    auto p = make();
    CAPTURE(raw);
    CHECK(feed(p, raw).event == Event::error);
    CHECK(p.error_status() == 400);
  }
}

TEST_CASE("absolute-form targets route by their path") {
  auto p = make();
  REQUIRE(feed(p, "GET http://example.com/x?y=1 HTTP/1.1\r\nHost: h\r\n\r\n").event ==
          Event::message_complete);
  CHECK(p.request().path == "/x");
  CHECK(p.request().query == "y=1");
}

TEST_CASE("head callback sees the routed request before the body") {
  std::string seen;
  RequestParser p(16 << 10, [&](tern::http::Request& r) {
    seen = std::string(r.path);
    return std::size_t{100};
  });
  std::size_t used = 0;
  std::string head = "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n";
  CHECK(p.feed(head.data(), head.size(), used) == Event::need_more);
  CHECK(seen == "/x");
}

// --- Strictness (RFC 9112): each of these was served before, some of them by
// smuggling the bytes behind them into a second request.

namespace {

// Feeds `raw` whole and byte by byte; both must end in the same error status.
void check_rejected(std::string_view raw, int status, std::size_t max_head = 16 << 10) {
  CAPTURE(raw);
  {
    auto p = make(max_head);
    auto r = feed(p, raw);
    CHECK(r.event == Event::error);
    CHECK(p.error_status() == status);
  }
  auto p = make(max_head);
  Event last = Event::need_more;
  for (std::size_t i = 0; i < raw.size() && last == Event::need_more; ++i)
    last = feed(p, raw.substr(i, 1)).event;
  CHECK(last == Event::error);
  CHECK(p.error_status() == status);
}

}  // namespace

TEST_CASE("strict: obs-fold is refused, not merged into the previous header") {
  check_rejected(
      "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n Content-Length: 5\r\n\r\nGET /x HTTP/1.1\r\n", 400);
  check_rejected("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\tmore\r\n\r\n", 400);
}

TEST_CASE("strict: a CR not followed by LF is refused anywhere in the head") {
  check_rejected("GET / HTTP/1.1\r\nHost: a\rX: 1\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r2\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\rHost: a\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\r\nHost: a\r\n\rX\r\n", 400);
}

TEST_CASE("strict: bare LF line endings are refused") {
  check_rejected("GET / HTTP/1.1\nHost: a\n\n", 400);
  check_rejected("GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n", 400);
}

TEST_CASE("strict: an empty header name is refused") {
  check_rejected("GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\r\n: x\r\nHost: a\r\n\r\n", 400);
}

TEST_CASE("strict: whitespace between a header name and its colon is refused") {
  check_rejected("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\r\nHost: a\r\nContent-Length\t: 0\r\n\r\n", 400);
}

TEST_CASE("strict: HTTP/1.1 needs exactly one Host; HTTP/1.0 may omit it") {
  check_rejected("GET / HTTP/1.1\r\nX: 1\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\r\nHost: a\r\nhOsT: a\r\n\r\n", 400);
  auto p = make();
  CHECK(feed(p, "GET / HTTP/1.0\r\n\r\n").event == Event::message_complete);
  auto q = make();
  CHECK(feed(q, "GET / HTTP/1.1\r\nHost:\r\n\r\n").event == Event::message_complete);
}

TEST_CASE("strict: Content-Length with Transfer-Encoding, or twice, is refused") {
  check_rejected(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\n",
      400);
  check_rejected(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
      "0\r\n\r\n",
      400);
  check_rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                 400);
  check_rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc", 400);
  check_rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", 400);
  check_rejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
  check_rejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400);
}

TEST_CASE("strict: chunk sizes and chunk endings are exact") {
  check_rejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
                 400);
  check_rejected(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400);
  check_rejected(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "fffffffffffffffff\r\n",
      400);
}

TEST_CASE("strict: a request target over 8 KiB is 414, even when the head limit is larger") {
  std::string raw = "GET /" + std::string(20'000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  check_rejected(raw, 414, 64 << 10);
  check_rejected(raw, 414);  // the 16 KiB default head limit would have said 431
  auto p = make();
  std::string fits = "GET /" + std::string(8000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  CHECK(feed(p, fits).event == Event::message_complete);
}

TEST_CASE("strict: an Upgrade request is parsed as a plain request and the stream stays in step") {
  // llhttp pauses after the head of an Upgrade request and treats what
  // follows as the other protocol's bytes; tern upgrades to nothing, so the
  // request is an ordinary one and the bytes behind it are the next request.
  for (std::string_view upgrade : {"Connection: Upgrade\r\nUpgrade: websocket\r\n",
                                   "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: "
                                   "h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n",
                                   "Upgrade: websocket\r\n"}) {
    CAPTURE(upgrade);
    std::string raw = "GET /first HTTP/1.1\r\nHost: a\r\n" + std::string(upgrade) +
                      "\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n";
    auto p = make();
    auto r = feed(p, raw);
    REQUIRE(r.event == Event::message_complete);
    CHECK(p.request().path == "/first");
    CHECK(p.request().keep_alive);
    std::string_view rest = std::string_view(raw).substr(r.consumed);
    CHECK(rest.starts_with("GET /second"));
    p.next();
    r = feed(p, rest);
    REQUIRE(r.event == Event::message_complete);
    CHECK(p.request().path == "/second");
    CHECK(r.consumed == rest.size());
  }
  // With a body, the body is read as the body, not as the other protocol.
  std::string raw =
      "POST /p HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Content-Length: 3\r\n\r\nabcGET /n HTTP/1.1\r\nHost: a\r\n\r\n";
  auto p = make();
  auto r = feed(p, raw);
  REQUIRE(r.event == Event::message_complete);
  CHECK(p.request().body == "abc");
  p.next();
  CHECK(feed(p, std::string_view(raw).substr(r.consumed)).event == Event::message_complete);
  CHECK(p.request().path == "/n");
  // CONNECT is the other upgrade llhttp knows: refused (not a proxy).
  check_rejected("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 400);
}

TEST_CASE("between requests the parser can give back what a large request left behind") {
  auto p = make(64 << 10);
  std::string big = "POST /p HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(20'000, 'a') +
                    "\r\nContent-Length: 30000\r\n\r\n" + std::string(30'000, 'b');
  REQUIRE(feed(p, big).event == Event::message_complete);
  p.next();
  CHECK(p.retained_bytes() > 50'000);  // clear() keeps capacity for the next request
  p.shrink(4096);
  CHECK(p.retained_bytes() < 4 * 4096);
  // ...and it still parses.
  CHECK(feed(p, "GET / HTTP/1.1\r\nHost: h\r\n\r\n").event == Event::message_complete);
}
