// Refresh tokens of the token API, stored only as SHA-256 digests. Tokens
// descending from one /v2/token call form a family; each works once, and
// presenting a used one revokes the whole family (a stolen token's thief and
// its owner cannot both keep refreshing).
#pragma once

#include <asio/awaitable.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "db/pg_pool.hpp"

namespace tern::db {

using TokenDigest = std::array<unsigned char, 32>;  // SHA-256 of the token

struct RefreshGrant {
  std::int64_t user_id = 0;
  std::int64_t domain_id = 0;
  std::string family;  // uuid
};

namespace refresh_tokens {

// A new token; with no `family`, the first of a new family. Returns the family.
asio::awaitable<std::string> issue(PgPool& pool, std::int64_t user_id, std::int64_t domain_id,
                                   const TokenDigest& digest, std::optional<std::string> family,
                                   std::chrono::seconds lifetime);

enum class Outcome { granted, unknown, reused };
struct Consumed {
  Outcome outcome = Outcome::unknown;
  RefreshGrant grant;  // when granted
};
// Marks the token used and returns what it grants. A used or revoked token
// revokes its family (Outcome::reused); unknown or expired → Outcome::unknown.
asio::awaitable<Consumed> consume(PgPool& pool, const TokenDigest& digest);

asio::awaitable<void> revoke_family(PgPool& pool, std::string family);

}  // namespace refresh_tokens
}  // namespace tern::db
