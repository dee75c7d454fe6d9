#include "db/domains.hpp"

namespace tern::db::domains {

namespace {

#define TERN_DOMAIN_COLUMNS "id, user_id, host, type, client_secret, rfc3339(created_at)"
const Statement kCreate{"domains_create",
                        "INSERT INTO domains (user_id, host, type, client_secret) "
                        "SELECT $1, lower($2), $3, $4 "
                        "WHERE (SELECT count(*) FROM domains WHERE user_id = $1) < $5 "
                        "RETURNING " TERN_DOMAIN_COLUMNS};
const Statement kList{"domains_list",
                      "SELECT " TERN_DOMAIN_COLUMNS " FROM domains WHERE user_id = $1 ORDER BY id"};
const Statement kBySecret{"domains_by_secret",
                          "SELECT " TERN_DOMAIN_COLUMNS " FROM domains WHERE client_secret = $1"};
#undef TERN_DOMAIN_COLUMNS
const Statement kRemove{
    "domains_remove",
    "WITH d AS (DELETE FROM domains WHERE id = $1 AND user_id = $2 RETURNING host) "
    "SELECT (SELECT count(*) FROM d), EXISTS (SELECT 1 FROM domains WHERE id = $1), "
    "coalesce((SELECT host FROM d), '')"};
const Statement kHost{"domains_host",
                      "SELECT EXISTS (SELECT 1 FROM domains WHERE host = lower($1))"};
const Statement kAllHosts{"domains_all_hosts", "SELECT DISTINCT host FROM domains"};

#define TERN_SUBJECT \
  "SELECT d.user_id, u.nick, d.id, d.type FROM domains d JOIN users u ON u.id = d.user_id "
const Statement kSubjectBySecret{"domains_subject_by_secret",
                                 TERN_SUBJECT "WHERE d.client_secret = $1"};
const Statement kSubjectOf{"domains_subject_of", TERN_SUBJECT "WHERE d.id = $1"};
#undef TERN_SUBJECT

std::optional<TokenSubject> subject_from(const PgResult& r) {
  if (r.empty()) return std::nullopt;
  Row row = r.front();
  return TokenSubject{row.get<std::int64_t>(0), row.get<std::string>(1), row.get<std::int64_t>(2),
                      row.get<std::string>(3)};
}

Domain domain_from(const Row& r) {
  return {r.get<std::int64_t>(0), r.get<std::int64_t>(1), r.get<std::string>(2),
          r.get<std::string>(3),  r.get<std::string>(4),  r.get<std::string>(5)};
}

}  // namespace

asio::awaitable<std::optional<Domain>> create(PgPool& pool, std::int64_t user_id, std::string host,
                                              std::string type, std::string client_secret,
                                              std::int64_t max_per_user) {
  auto r = co_await pool.query(kCreate, user_id, host, type, client_secret, max_per_user);
  if (r.empty()) co_return std::nullopt;
  co_return domain_from(r.front());
}

asio::awaitable<std::vector<Domain>> list(PgPool& pool, std::int64_t user_id) {
  auto r = co_await pool.query(kList, user_id);
  std::vector<Domain> out;
  for (Row row : r)
    out.push_back(domain_from(row));
  co_return out;
}

asio::awaitable<DomainRemoval> remove(PgPool& pool, std::int64_t id, std::int64_t user_id) {
  auto r = co_await pool.query(kRemove, id, user_id);
  Row row = r.front();
  if (row.get<std::int64_t>(0) == 1)
    co_return DomainRemoval{Removal::deleted, row.get<std::string>(2)};
  co_return DomainRemoval{row.get<bool>(1) ? Removal::forbidden : Removal::not_found, {}};
}

asio::awaitable<std::optional<Domain>> find_by_secret(PgPool& pool, std::string client_secret) {
  auto r = co_await pool.query(kBySecret, client_secret);
  if (r.empty()) co_return std::nullopt;
  co_return domain_from(r.front());
}

asio::awaitable<std::optional<TokenSubject>> subject_by_secret(PgPool& pool, std::string secret) {
  co_return subject_from(co_await pool.query(kSubjectBySecret, secret));
}

asio::awaitable<std::optional<TokenSubject>> subject_of(PgPool& pool, std::int64_t domain_id) {
  co_return subject_from(co_await pool.query(kSubjectOf, domain_id));
}

asio::awaitable<bool> host_registered(PgPool& pool, std::string host) {
  auto r = co_await pool.query(kHost, host);
  co_return r.front().get<bool>(0);
}

asio::awaitable<std::vector<std::string>> all_hosts(PgPool& pool) {
  auto r = co_await pool.query(kAllHosts);
  std::vector<std::string> out;
  out.reserve(r.size());
  for (Row row : r)
    out.push_back(row.get<std::string>(0));
  co_return out;
}

}  // namespace tern::db::domains
