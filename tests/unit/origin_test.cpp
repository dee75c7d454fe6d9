// core/origin: the spellings of an origin and of a registered domain's host.
#include <doctest/doctest.h>

#include "core/origin.hpp"

using tern::normalize_domain_host;
using tern::normalize_origin;
using tern::origin_host;

TEST_CASE("origin: canonical spelling, and the host a domain is matched against") {
  CHECK(normalize_origin("HTTP://Example.com:80/") == "http://example.com");
  CHECK(normalize_origin("https://a.example:8443") == "https://a.example:8443");
  CHECK_FALSE(normalize_origin("null"));
  CHECK(origin_host("https://a.example:8443") == "a.example:8443");
  CHECK(origin_host("http://localhost") == "localhost");
}

TEST_CASE("domain host: names and IPv4 with an optional port, lower-cased") {
  CHECK(normalize_domain_host("Example.COM") == "example.com");
  CHECK(normalize_domain_host("localhost:4000") == "localhost:4000");
  CHECK(normalize_domain_host("127.0.0.1:65535") == "127.0.0.1:65535");
  CHECK(normalize_domain_host("xn--bcher-kva.example") == "xn--bcher-kva.example");
  CHECK(normalize_domain_host("a-b.c") == "a-b.c");
  std::string label63(63, 'a'), label64(64, 'a');
  CHECK(normalize_domain_host(label63 + ".io"));
  CHECK_FALSE(normalize_domain_host(label64 + ".io"));
  std::string long_name;
  while (long_name.size() < 250)
    long_name += "abcdefghi.";
  long_name += "io";  // 252 characters
  CHECK(normalize_domain_host(long_name));
  CHECK_FALSE(normalize_domain_host(long_name + "xy"));  // 254
}

TEST_CASE("domain host: everything that is not one is refused") {
  for (const char* bad :
       {"", ":80", "a:", "a:0", "a:080", "a:65536", "a:1:2", "a:-1", "a:+1", "http://a.io",
        "a.io/", "a.io/x", "user@a.io", "a .io", " a.io", "a.io.", ".a.io", "a..io", "-a.io",
        "a-.io", "a_b.io", "[::1]", "[::1]:80", "a.io?x", "a.io#x", "é.io", "a\n.io", "*.a.io"})
    CHECK_MESSAGE(!normalize_domain_host(bad), bad);
}
