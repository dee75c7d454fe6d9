#include "db/refresh_tokens.hpp"

namespace tern::db::refresh_tokens {

namespace {

const Statement kIssue{"refresh_issue",
                       "INSERT INTO refresh_tokens (user_id, domain_id, token_hash, family, "
                       "expires_at) VALUES ($1, $2, $3::bytea, coalesce($4::uuid, "
                       "gen_random_uuid()), now() + make_interval(secs => $5)) "
                       "RETURNING family"};
// Marks the token used only if it is still good: two concurrent refreshes
// with the same token cannot both win (the row lock serialises them).
const Statement kConsume{"refresh_consume",
                         "UPDATE refresh_tokens SET used_at = now() "
                         "WHERE token_hash = $1::bytea AND used_at IS NULL AND revoked_at IS NULL "
                         "AND expires_at > now() RETURNING user_id, domain_id, family"};
const Statement kLookup{"refresh_lookup",
                        "SELECT family FROM refresh_tokens WHERE token_hash = $1::bytea "
                        "AND (used_at IS NOT NULL OR revoked_at IS NOT NULL)"};
const Statement kRevoke{"refresh_revoke",
                        "UPDATE refresh_tokens SET revoked_at = now() "
                        "WHERE family = $1::uuid AND revoked_at IS NULL"};

// bytea in text format: "\x" and hex digits.
std::string bytea_text(const TokenDigest& digest) {
  static const char* hex = "0123456789abcdef";
  std::string s = "\\x";
  for (unsigned char b : digest) {
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}

}  // namespace

asio::awaitable<std::string> issue(PgPool& pool, std::int64_t user_id, std::int64_t domain_id,
                                   const TokenDigest& digest, std::optional<std::string> family,
                                   std::chrono::seconds lifetime) {
  auto r =
      co_await pool.query(kIssue, user_id, domain_id, bytea_text(digest), family, lifetime.count());
  co_return r.front().get<std::string>(0);
}

asio::awaitable<Consumed> consume(PgPool& pool, const TokenDigest& digest) {
  std::string key = bytea_text(digest);
  auto r = co_await pool.query(kConsume, key);
  if (!r.empty()) {
    Row row = r.front();
    co_return Consumed{
        Outcome::granted,
        {row.get<std::int64_t>(0), row.get<std::int64_t>(1), row.get<std::string>(2)}};
  }
  auto used = co_await pool.query(kLookup, key);
  if (used.empty()) co_return Consumed{};
  std::string family = used.front().get<std::string>(0);
  co_await pool.query(kRevoke, family);
  co_return Consumed{Outcome::reused, {}};
}

asio::awaitable<void> revoke_family(PgPool& pool, std::string family) {
  co_await pool.query(kRevoke, family);
}

}  // namespace tern::db::refresh_tokens
