// Fuzzes the request path as the connection drives it: the input is cut
// into reads of a size its first byte picks (1–64), fed to the parser with
// pipelining, each complete request is routed, and its query, cookies and
// body (as JSON and as a form) are parsed. Any crash, sanitizer report or
// broken invariant is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json_reader.hpp"
#include "core/json_writer.hpp"
#include "http/cookie.hpp"
#include "http/parser.hpp"
#include "http/router.hpp"
#include "http/url.hpp"

namespace {

tern::http::Router& router() {
  static tern::http::Router* r = [] {
    auto* r = new tern::http::Router(4096);
    auto h = [](tern::http::Request&, tern::http::Response&) -> asio::awaitable<void> {
      co_return;
    };
    r->get("/", h);
    r->get("/api/posts/:id", h);
    r->post("/api/posts/:id/like", h);
    r->get("/uploads/*file", h);
    r->post("/big", h, {.max_body = 64});
    return r;
  }();
  return *r;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t chunk = 1 + data[0] % 64;  // read size the "socket" delivers
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  tern::http::Match match;
  tern::http::RequestParser parser(1024, [&](tern::http::Request& req) {
    match = router().match(req);
    return match.max_body;
  });
  std::string pending;
  while (!input.empty()) {
    std::string_view piece = input.substr(0, chunk);
    input.remove_prefix(piece.size());
    pending.append(piece);
    std::string_view rest = pending;
    for (;;) {
      std::size_t used = 0;
      auto event = parser.feed(rest.data(), rest.size(), used);
      check(used <= rest.size());
      rest.remove_prefix(used);
      if (event == tern::http::RequestParser::Event::error) {
        int s = parser.error_status();
        check(s == 400 || s == 413 || s == 417 || s == 431 || s == 505);
        return 0;
      }
      if (event == tern::http::RequestParser::Event::need_more) {
        check(rest.empty());
        break;
      }
      auto& req = parser.request();
      check(req.body.size() <= match.max_body);
      check(!req.path.empty());
      (void)tern::http::parse_query(req.query);
      if (auto c = req.header("cookie")) (void)tern::http::parse_cookies(*c);
      std::string body = req.body;
      auto json = tern::read_json_object(body);
      if (json.fields) {
        std::string out;
        tern::JsonWriter w(out);
        w.begin_object();
        for (const auto& [k, v] : *json.fields)
          w.field(k, v);
        w.end_object();
        std::string again = out;
        check(tern::read_json_object(again).fields.has_value());  // round trip
      }
      (void)tern::http::parse_query(req.body);
      parser.next();
    }
    pending.assign(rest);
  }
  return 0;
}
