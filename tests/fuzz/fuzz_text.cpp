// Fuzzes the small text parsers that guard limits and tokens: base64url
// (cookies, JWTs), web origins (the CSRF check), client addresses and their
// buckets (every per-address limit). Invariants: base64url decoding accepts
// exactly one spelling (decode ∘ encode is the identity and encode ∘ decode
// gives the input back); a normalised origin is a fixed point; a client
// address is the peer or one of the X-Forwarded-For hops, never other text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/base64url.hpp"
#include "core/origin.hpp"
#include "http/client_address.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace tern;

  check(base64url_decode(base64url_encode(input)) == std::string(input));
  if (auto bytes = base64url_decode(input)) check(base64url_encode(*bytes) == input);

  if (auto origin = normalize_origin(input)) check(normalize_origin(*origin) == origin);
  // A registered domain's host: canonical (lower case, idempotent), and an
  // origin made of it is an origin whose host is it again (bar the default
  // port).
  if (auto host = normalize_domain_host(input)) {
    check(normalize_domain_host(*host) == host);
    for (char c : *host)
      check(!(c >= 'A' && c <= 'Z'));
    auto origin = normalize_origin("https://" + *host);
    // (a browser drops the default port, so "h:443" is the origin https://h)
    check(origin &&
          (origin_host(*origin) == *host || std::string(origin_host(*origin)) + ":443" == *host));
  }

  std::vector<std::string> trusted{"10.0.0.1", "2001:db8::1"};
  std::string client = http::client_address("10.0.0.1", input, trusted);
  check(client == "10.0.0.1" || client == "2001:db8::1" ||
        (http::canonical_address(client).has_value() && input.find_first_of(":.") != input.npos));
  http::address_bucket(input);
  return 0;
}
