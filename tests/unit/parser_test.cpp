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
      "POST /p HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
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
                "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
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
  REQUIRE(feed(c, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n").event == Event::message_complete);
  CHECK_FALSE(c.request().keep_alive);
}

TEST_CASE("a head over the limit is 431") {
  auto p = make(1024);
  std::string raw = "GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n";
  auto r = feed(p, raw);
  CHECK(r.event == Event::error);
  CHECK(p.error_status() == 431);
}

TEST_CASE("too many headers is 431") {
  auto p = make();
  std::string raw = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 150; ++i)
    raw += "h" + std::to_string(i) + ": v\r\n";
  raw += "\r\n";
  CHECK(feed(p, raw).event == Event::error);
  CHECK(p.error_status() == 431);
}

TEST_CASE("Content-Length over the limit is refused before the body") {
  auto p = make(16 << 10, 10);
  auto r = feed(p, "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n");
  CHECK(r.event == Event::error);
  CHECK(p.error_status() == 413);
}

TEST_CASE("a chunked body growing past the limit is 413") {
  auto p = make(16 << 10, 8);
  auto r = feed(p, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n");
  CHECK(r.event == Event::need_more);
  r = feed(p, "5\r\nfghij\r\n");
  CHECK(r.event == Event::error);
  CHECK(p.error_status() == 413);
}

TEST_CASE("Expect: 100-continue is reported until the body starts") {
  auto p = make();
  auto r = feed(p, "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  CHECK(r.event == Event::need_more);
  CHECK(p.head_complete());
  CHECK(p.expects_continue());
  r = feed(p, "abc");
  CHECK(r.event == Event::message_complete);
  CHECK_FALSE(p.expects_continue());
  auto q = make();
  feed(q, "POST / HTTP/1.1\r\nExpect: something-else\r\nContent-Length: 3\r\n\r\n");
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
  REQUIRE(feed(p, "GET http://example.com/x?y=1 HTTP/1.1\r\n\r\n").event ==
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
  std::string head = "PUT /x HTTP/1.1\r\nContent-Length: 4\r\n\r\n";
  CHECK(p.feed(head.data(), head.size(), used) == Event::need_more);
  CHECK(seen == "/x");
}
