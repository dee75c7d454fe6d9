// Domains registered for the token API (POST /api/domains) and lookups the
// /v2 routes need: by client secret (issuing tokens) and by host (CORS).
#pragma once

#include <asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/pg_pool.hpp"
#include "db/removal.hpp"

namespace tern::db {

struct Domain {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string host;
  std::string type;  // "free" | "premium"
  std::string client_secret;
  std::string created_at;
};

// Who a token is issued to: the domain's owner, and the domain.
struct TokenSubject {
  std::int64_t user_id = 0;
  std::string nick;
  std::int64_t domain_id = 0;
  std::string type;  // "free" | "premium"
};

namespace domains {

// The new domain, or nullopt when the user already has `max_per_user`.
// (Concurrent creations by one user may each see the count below the cap.)
asio::awaitable<std::optional<Domain>> create(PgPool& pool, std::int64_t user_id, std::string host,
                                              std::string type, std::string client_secret,
                                              std::int64_t max_per_user);
asio::awaitable<std::vector<Domain>> list(PgPool& pool, std::int64_t user_id);
struct DomainRemoval {
  Removal outcome = Removal::not_found;
  std::string host;  // the deleted domain's, when deleted
};
asio::awaitable<DomainRemoval> remove(PgPool& pool, std::int64_t id, std::int64_t user_id);
asio::awaitable<std::optional<Domain>> find_by_secret(PgPool& pool, std::string client_secret);
// The owner and domain of a client secret (POST /v2/token) or of a domain
// id (refreshing), in one statement each.
asio::awaitable<std::optional<TokenSubject>> subject_by_secret(PgPool& pool, std::string secret);
asio::awaitable<std::optional<TokenSubject>> subject_of(PgPool& pool, std::int64_t domain_id);
asio::awaitable<bool> host_registered(PgPool& pool, std::string host);
// Every registered host, once each (the CORS check keeps them in memory).
asio::awaitable<std::vector<std::string>> all_hosts(PgPool& pool);

}  // namespace domains
}  // namespace tern::db
