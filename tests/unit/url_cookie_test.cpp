#include <doctest/doctest.h>

#include "http/cookie.hpp"
#include "http/date.hpp"
#include "http/text.hpp"
#include "http/url.hpp"

using namespace tern::http;

TEST_CASE("percent decoding") {
  CHECK(percent_decode("a%20b%2Fc") == "a b/c");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK_FALSE(percent_decode("%").has_value());
  CHECK_FALSE(percent_decode("%4").has_value());
  CHECK_FALSE(percent_decode(std::string_view("a\0b", 3)).has_value());  // a raw NUL too
  CHECK_FALSE(percent_decode("a%00b").has_value());
  CHECK_FALSE(percent_decode("%zz").has_value());
  CHECK_FALSE(percent_decode("%00").has_value());
  CHECK(percent_decode("%e2%9C%93") == "\xE2\x9C\x93");
}

TEST_CASE("query strings and forms") {
  auto q = parse_query("a=1&b=&c&&d=x%3Dy&e=a+b");
  REQUIRE(q);
  CHECK(q->size() == 5);
  CHECK(find_param(*q, "a") == "1");
  CHECK(find_param(*q, "b") == "");
  CHECK(find_param(*q, "c") == "");
  CHECK(find_param(*q, "d") == "x=y");
  CHECK(find_param(*q, "e") == "a b");
  CHECK_FALSE(parse_query("a=%zz").has_value());
  CHECK_FALSE(parse_query("a=1&b=2&c=3", 2).has_value());
}

TEST_CASE("cookie header parsing") {
  auto c = parse_cookies("sid=abc; theme=\"dark\";  empty=; novalue; x=1=2");
  CHECK(find_cookie(c, "sid") == "abc");
  CHECK(find_cookie(c, "theme") == "dark");
  CHECK(find_cookie(c, "empty") == "");
  CHECK_FALSE(find_cookie(c, "novalue").has_value());
  CHECK(find_cookie(c, "x") == "1=2");
}

TEST_CASE("Set-Cookie carries every attribute") {
  SetCookie c{.name = "sid", .value = "v1"};
  c.max_age = std::chrono::seconds(60);
  c.secure = true;
  c.domain = "example.com";
  CHECK(c.to_string() ==
        "sid=v1; Path=/; Domain=example.com; Max-Age=60; HttpOnly; Secure; SameSite=Lax");
  SetCookie del{.name = "sid", .value = ""};
  del.max_age = std::chrono::seconds(0);
  del.expires = 0;
  del.same_site = SameSite::strict;
  CHECK(
      del.to_string() ==
      "sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict");
  SetCookie none{.name = "a", .value = "b", .same_site = SameSite::none};
  none.http_only = false;
  CHECK(none.to_string() == "a=b; Path=/; Secure; SameSite=None");
}

TEST_CASE("Set-Cookie refuses injection") {
  CHECK_THROWS(SetCookie{.name = "a;b", .value = "v"}.to_string());
  CHECK_THROWS(SetCookie{.name = "a", .value = "v;Path=/x"}.to_string());
  CHECK_THROWS(SetCookie{.name = "a", .value = "v\r\nX: y"}.to_string());
  CHECK_THROWS(SetCookie{.name = "", .value = "v"}.to_string());
}

TEST_CASE("HTTP dates round-trip") {
  CHECK(format_http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT").has_value());
  CHECK_FALSE(parse_http_date("garbage").has_value());
  CHECK(current_http_date().size() == 29);
}

TEST_CASE("ASCII case-insensitive comparison folds letters only") {
  CHECK(iequals("Content-Type", "content-type"));
  CHECK_FALSE(iequals("@", "`"));  // 0x40 and 0x60 differ only in the case bit
  CHECK_FALSE(iequals("a", "ab"));
  CHECK(trim_ows(" \tx y\t ") == "x y");
}
