// Who the client is: proxies looked through only when trusted, IPv6 by /64,
// and the per-address hashing places.
#include <doctest/doctest.h>

#include <vector>

#include "handlers/hash_admission.hpp"
#include "http/client_address.hpp"

using tern::http::address_bucket;
using tern::http::client_address;

TEST_CASE("client address: X-Forwarded-For counts only from a trusted proxy") {
  std::vector<std::string> trusted{"10.0.0.1", "10.0.0.2"};
  CHECK(client_address("203.0.113.9", std::nullopt, trusted) == "203.0.113.9");
  // An untrusted peer's claim is ignored.
  CHECK(client_address("203.0.113.9", "1.2.3.4", trusted) == "203.0.113.9");
  CHECK(client_address("10.0.0.1", "198.51.100.7", trusted) == "198.51.100.7");
  // The right-most untrusted hop; what the client wrote to its left is not believed.
  CHECK(client_address("10.0.0.1", "1.1.1.1, 198.51.100.7, 10.0.0.2", trusted) == "198.51.100.7");
  CHECK(client_address("10.0.0.1", "  198.51.100.7  ,10.0.0.2 ", trusted) == "198.51.100.7");
  // Garbage stops the walk: the last trusted hop is the best we know.
  CHECK(client_address("10.0.0.1", "198.51.100.7, garbage, 10.0.0.2", trusted) == "10.0.0.2");
  CHECK(client_address("10.0.0.1", "", trusted) == "10.0.0.1");
  CHECK(client_address("10.0.0.1", "10.0.0.2", trusted) == "10.0.0.2");
  CHECK(client_address("10.0.0.1", "2001:db8::5", trusted) == "2001:db8::5");
  CHECK(client_address("10.0.0.1", "1.2.3.4", {}) == "10.0.0.1");
}

TEST_CASE("address buckets: IPv4 as is, IPv6 by /64, mapped IPv4 as IPv4") {
  CHECK(address_bucket("198.51.100.7") == "198.51.100.7");
  CHECK(address_bucket("2001:db8:1:2::1") == "2001:db8:1:2::/64");
  CHECK(address_bucket("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64");
  CHECK(address_bucket("2001:db8:1:3::1") == "2001:db8:1:3::/64");
  CHECK(address_bucket("::ffff:198.51.100.7") == "198.51.100.7");
  CHECK(address_bucket("not an address") == "not an address");
}

TEST_CASE("hash admission: so many places per address, given back when done") {
  tern::handlers::HashAdmission hashing(2);
  auto a = hashing.try_admit("198.51.100.7");
  auto b = hashing.try_admit("198.51.100.7");
  CHECK(a.has_value());
  CHECK(b.has_value());
  CHECK_FALSE(hashing.try_admit("198.51.100.7").has_value());
  CHECK(hashing.try_admit("198.51.100.8").has_value());  // another address is not affected
  // One /64 is one client.
  auto c = hashing.try_admit("2001:db8::1");
  auto d = hashing.try_admit("2001:db8::2");
  CHECK_FALSE(hashing.try_admit("2001:db8::3").has_value());
  b.reset();
  CHECK(hashing.in_flight("198.51.100.7") == 1);
  CHECK(hashing.try_admit("198.51.100.7").has_value());
  a.reset();
  CHECK(hashing.in_flight("198.51.100.7") == 0);
}

TEST_CASE("client address: every X-Forwarded-For line counts, addresses compare canonically") {
  using tern::http::Header;
  std::vector<std::string> trusted{"10.0.0.1", "2001:db8::1"};
  // A proxy that adds its own line below the client's: the right-most
  // untrusted hop is on the last line, not the first.
  std::vector<Header> headers{
      {"x-forwarded-for", "198.51.100.1"}, {"host", "a"}, {"x-forwarded-for", "203.0.113.7"}};
  CHECK(client_address("10.0.0.1", headers, trusted) == "203.0.113.7");
  CHECK(client_address("203.0.113.9", headers, trusted) == "203.0.113.9");
  // A dual-stack socket reports an IPv4 proxy as ::ffff:10.0.0.1.
  CHECK(client_address("::ffff:10.0.0.1", headers, trusted) == "203.0.113.7");
  CHECK(client_address("2001:DB8:0::1", "198.51.100.1", trusted) == "198.51.100.1");
  CHECK(client_address("10.0.0.1", "198.51.100.1, 2001:DB8::1", trusted) == "198.51.100.1");
  CHECK(client_address("10.0.0.1", "2001:DB8::0:5", trusted) == "2001:db8::5");
  CHECK(tern::http::canonical_address("::ffff:192.0.2.1") == "192.0.2.1");
  CHECK_FALSE(tern::http::canonical_address("192.0.2.999"));
}
