// RedisUrl: where a Redis server is and how to log in, parsed from
//
//   redis://[[user]:password@]host[:port][/db]
//
// user and password are percent-decoded (a password may hold any byte); the
// port defaults to 6379 and the database to 0; an IPv6 host is written in
// brackets. Anything else — another scheme (rediss:// needs TLS, which hiredis
// 0.14 lacks), a query string, a user without a password — is refused with
// std::invalid_argument saying what is wrong. Messages never repeat the
// password, since they end up in logs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tern {

struct RedisUrl {
  std::string host;
  std::uint16_t port = 6379;
  std::string user;      // empty: the default user (AUTH password)
  std::string password;  // empty: no AUTH at all
  int db = 0;

  // Throws std::invalid_argument("invalid Redis URL: <reason>").
  static RedisUrl parse(std::string_view url);

  // "host:port/db" ("[::1]:6379/0"), without credentials: for logs and errors.
  std::string endpoint() const;
};

}  // namespace tern
