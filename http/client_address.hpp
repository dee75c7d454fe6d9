// Who the client is, for limits that count per client: the login throttle,
// the join limit, hashing jobs and connections per address.
//
// Behind a reverse proxy every request comes from the proxy's address, so
// the proxies named in TERN_TRUSTED_PROXIES are looked through: the client
// is the right-most X-Forwarded-For entry that is not itself a trusted proxy
// (entries to its left were written by the client and prove nothing). A
// request from anyone else is its peer address, whatever it claims.
//
// IPv6 clients are counted by their /64: one host is handed a whole /64 and
// can pick a fresh address from it for every request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace tern::http {

// The client of a request from `peer` carrying `forwarded_for` (every
// X-Forwarded-For line, joined with ", " in order), with `trusted` the
// proxies' addresses in canonical form (see canonical_address).
std::string client_address(std::string_view peer, std::optional<std::string_view> forwarded_for,
                           const std::vector<std::string>& trusted);

// The same for a request: all its X-Forwarded-For lines count (a proxy may
// add its own line below the client's rather than append to it).
std::string client_address(std::string_view peer, const std::vector<Header>& headers,
                           const std::vector<std::string>& trusted);

// One spelling per address, so that comparing text compares addresses:
// "2001:DB8::1" and "2001:db8:0::1" are "2001:db8::1", an IPv4-mapped IPv6
// address ("::ffff:10.0.0.1", what a dual-stack socket reports) is the
// IPv4 one. nullopt when `text` is not an address.
std::optional<std::string> canonical_address(std::string_view text);

bool is_trusted_proxy(std::string_view peer, const std::vector<std::string>& trusted);

// What limits count by: an IPv4 address as it is, an IPv6 address as its /64
// ("2001:db8:1:2::/64"), an IPv4-mapped IPv6 address as the IPv4 one. Text
// that is not an address is returned unchanged.
std::string address_bucket(std::string_view address);

}  // namespace tern::http
