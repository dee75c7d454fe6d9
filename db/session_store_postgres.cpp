#include "db/session_store_postgres.hpp"

namespace tern::db {

namespace {

const Statement kRenew{"sessions_renew",
                       "UPDATE user_sessions SET expire = now() + make_interval(secs => $2) "
                       "WHERE sid = ANY($1::text[]) AND expire > now() RETURNING sid, sess::text"};
// Saves the session and, in the same statement, ends its user's sessions
// beyond the newest per_user - 1 live others ($5), and the user's dead ones
// (idle-expired, or logged in before $6, the absolute lifetime's cut-off).
// The sub-statements see one snapshot, so the new row is not among the
// others; two logins of one user at the same instant can leave one session
// over the bound, which the next login trims.
const Statement kSave{
    "sessions_save",
    "WITH saved AS ("
    "  INSERT INTO user_sessions (sid, sess, expire, user_id) "
    "  VALUES ($1, $2::json, now() + make_interval(secs => $3), $4) "
    "  ON CONFLICT (sid) DO UPDATE SET sess = EXCLUDED.sess, expire = EXCLUDED.expire, "
    "    user_id = EXCLUDED.user_id, logged_in = EXCLUDED.logged_in) "
    "DELETE FROM user_sessions s WHERE s.user_id = $4 AND s.sid <> $1 AND ("
    "  s.expire <= now() OR s.logged_in < to_timestamp($6) OR s.sid IN ("
    "    SELECT o.sid FROM user_sessions o "
    "    WHERE o.user_id = $4 AND o.sid <> $1 AND o.expire > now() "
    "      AND o.logged_in >= to_timestamp($6) "
    "    ORDER BY o.logged_in DESC OFFSET $5 - 1))"};
const Statement kRemove{"sessions_remove", "DELETE FROM user_sessions WHERE sid = $1"};
const Statement kPrune{"sessions_prune", "DELETE FROM user_sessions WHERE expire < now()"};

// One prune a minute per process is plenty, whichever loop does it.
std::atomic<std::int64_t> last_prune{0};

}  // namespace

PostgresSessionStore::PostgresSessionStore(PgPool& pool, SessionLimits limits)
    : pool_(pool),
      limits_(limits),
      renew_(
          pool.get_executor(),
          [this](std::vector<std::string> sids) -> asio::awaitable<std::vector<Stored>> {
            auto r = co_await pool_.query(kRenew, sids, limits_.idle.count());
            std::vector<Stored> rows;
            rows.reserve(static_cast<std::size_t>(r.size()));
            for (Row row : r)
              rows.push_back({row.get<std::string>(0), row.get<std::string>(1)});
            co_return rows;
          },
          [](const Stored& s) { return s.sid; }) {}

asio::awaitable<std::optional<SessionData>> PostgresSessionStore::load(std::string sid) {
  auto stored = co_await renew_.load(sid);
  if (!stored) co_return std::nullopt;
  auto data = decode_session(stored->sess);
  if (!data || past_lifetime(*data, limits_, unix_now())) {
    co_await pool_.query(kRemove, sid);
    co_return std::nullopt;
  }
  co_return data;
}

asio::awaitable<void> PostgresSessionStore::save(std::string sid, SessionData data) {
  std::int64_t oldest_alive = unix_now() - limits_.absolute.count();
  co_await pool_.query(kSave, sid, encode_session(data), limits_.idle.count(), data.user_id,
                       static_cast<std::int64_t>(limits_.per_user), oldest_alive);
  std::int64_t now = unix_now(), last = last_prune.load(std::memory_order_relaxed);
  if (now - last >= 60 && last_prune.compare_exchange_strong(last, now)) {
    co_await pool_.query(kPrune);
  }
}

asio::awaitable<void> PostgresSessionStore::remove(std::string sid) {
  co_await pool_.query(kRemove, sid);
}

}  // namespace tern::db
