// The migrator, as a straight line of blocking libpq calls (see migrate.hpp
// for why blocking is right here):
//
//   connect → advisory lock → ensure schema_migrations → read what is applied
//   → check it against this binary's list → for each pending migration:
//     BEGIN; <file>; INSERT INTO schema_migrations; COMMIT
//
// The lock is session-level and is released when the connection closes, which
// the Conn handle does on every way out of migrate(), thrown or returned.
#include "db/migrate.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <memory>

#include <ostream>
#include <string_view>
#include "db/pg_handles.hpp"

namespace tern::db {
namespace {

using Conn = BlockingConn;
using Result = BlockingResult;

// The advisory lock every tern migrator takes: "ternmigr" read as a 64-bit
// big-endian number, a key no other application is likely to pick.
constexpr std::string_view kLockKey = "8387235699655010162";

constexpr std::string_view kCreateTable = R"(
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  ))";

struct Applied {
  int version;
  std::string name;
};

std::string without_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

bool succeeded(const PGresult* r) {
  auto status = PQresultStatus(r);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// The line of `sql` holding its `position`-th character, counting as
// PostgreSQL does: from 1, in characters (UTF-8 code points), not bytes.
int line_at(std::string_view sql, long position) {
  int line = 1;
  long chars = 0;
  for (unsigned char c : sql) {
    if ((c & 0xC0) != 0x80 && ++chars == position) break;
    if (c == '\n') ++line;
  }
  return line;
}

// PostgreSQL's own words for a failed result: "line 12: message (SQLSTATE
// xxxxx)", the line only when the error points into `sql`, then its DETAIL
// and HINT lines when it gave them.
std::string describe(const PGresult* r, const PGconn* conn, std::string_view sql = {}) {
  auto field = [r](int code) -> std::string {
    const char* v = r ? PQresultErrorField(r, code) : nullptr;
    return v ? v : "";
  };
  std::string primary = field(PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) return without_trailing_newlines(PQerrorMessage(conn));

  std::string out;
  if (std::string pos = field(PG_DIAG_STATEMENT_POSITION); !pos.empty() && !sql.empty())
    out = "line " + std::to_string(line_at(sql, std::stol(pos))) + ": ";
  out += primary + " (SQLSTATE " + field(PG_DIAG_SQLSTATE) + ")";
  if (std::string detail = field(PG_DIAG_MESSAGE_DETAIL); !detail.empty())
    out += "\n  DETAIL: " + detail;
  if (std::string hint = field(PG_DIAG_MESSAGE_HINT); !hint.empty()) out += "\n  HINT: " + hint;
  return out;
}

// Runs `sql` and returns its result; on failure throws "<what>: <why>".
Result must(PGconn* conn, std::string_view sql, std::string_view what) {
  Result r(PQexec(conn, std::string(sql).c_str()));
  if (!succeeded(r.get())) throw MigrateError(std::string(what) + ": " + describe(r.get(), conn));
  return r;
}

Conn connect(const std::string& database_url) {
  // Keywords before `dbname` are defaults that the URL may override.
  const char* keys[] = {"application_name", "connect_timeout", "client_encoding", "dbname",
                        nullptr};
  const char* values[] = {"tern migrate", "10", "UTF8", database_url.c_str(), nullptr};
  Conn conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (!conn) throw MigrateError("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw MigrateError("cannot connect to PostgreSQL: " +
                       without_trailing_newlines(PQerrorMessage(conn.get())));
  return conn;
}

// Takes the migrators' lock, saying so when it has to wait for another one.
void lock(PGconn* conn, std::ostream& log) {
  auto call = [&](std::string_view function) {
    return must(conn, "SELECT " + std::string(function) + "(" + std::string(kLockKey) + ")",
                "taking the migration lock");
  };
  if (std::string_view(PQgetvalue(call("pg_try_advisory_lock").get(), 0, 0)) == "t") return;
  log << "migrate: another migrator is running; waiting for it\n" << std::flush;
  call("pg_advisory_lock");
}

std::vector<Applied> read_applied(PGconn* conn) {
  Result r = must(conn, "SELECT version, name FROM schema_migrations ORDER BY version",
                  "reading schema_migrations");
  std::vector<Applied> out;
  for (int i = 0; i < PQntuples(r.get()); ++i)
    out.push_back({std::stoi(PQgetvalue(r.get(), i, 0)), PQgetvalue(r.get(), i, 1)});
  return out;
}

void check_order(const std::vector<Migration>& migrations) {
  int previous = 0;
  for (const auto& m : migrations) {
    if (m.version <= previous)
      throw MigrateError("migration list out of order: " + m.name + " (version " +
                         std::to_string(m.version) + ") follows version " +
                         std::to_string(previous));
    previous = m.version;
  }
}

// History is linear: what the database has applied must be exactly the first
// migrations of this binary's list, name for name. Anything else means the
// database and the binary come from different histories, and guessing would
// be worse than stopping.
void check_history(const std::vector<Applied>& applied, const std::vector<Migration>& migrations) {
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (!applied.empty() && applied.back().version > newest)
    throw MigrateError("the database is at version " + std::to_string(applied.back().version) +
                       " (" + applied.back().name + "), newer than this binary knows (" +
                       std::to_string(newest) +
                       "); refusing to touch it: run a tern built with that migration");
  for (std::size_t i = 0; i < applied.size(); ++i) {
    const Applied& a = applied[i];
    const Migration& m = migrations[i];  // in range: applied.back() <= newest, both increasing
    if (a.version < m.version)
      throw MigrateError("the database has version " + std::to_string(a.version) + " (" + a.name +
                         "), which this binary does not know; refusing to migrate");
    if (a.version > m.version)
      throw MigrateError(m.name + " was never applied, yet the database is at version " +
                         std::to_string(applied.back().version) + "; refusing to migrate");
    if (a.name != m.name)
      throw MigrateError("version " + std::to_string(a.version) + " is " + a.name +
                         " in the database but " + m.name + " in this binary; refusing to migrate");
  }
}

// One migration and its schema_migrations row, in one transaction.
void apply(PGconn* conn, const Migration& m, int version_now) {
  auto fail = [&](const std::string& why) {
    PQclear(PQexec(conn, "ROLLBACK"));  // best effort: closing the connection rolls back too
    throw MigrateError(m.name + ": " + why + "\n  nothing of " + m.name +
                       " was applied; the database stays at version " +
                       std::to_string(version_now));
  };
  must(conn, "BEGIN", m.name);
  Result r(PQexec(conn, m.sql.c_str()));
  if (!succeeded(r.get())) fail(describe(r.get(), conn, m.sql));
  if (PQtransactionStatus(conn) != PQTRANS_INTRANS)
    throw MigrateError(m.name +
                       ": the file ends the transaction itself (COMMIT or ROLLBACK); what ran "
                       "before that is in the database but not recorded. Remove transaction "
                       "control from migrations: each already runs in a transaction of its own");

  std::string version = std::to_string(m.version);
  const char* params[] = {version.c_str(), m.name.c_str()};
  Result recorded(PQexecParams(conn,
                               "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
                               nullptr, params, nullptr, nullptr, 0));
  if (!succeeded(recorded.get())) fail("recording it: " + describe(recorded.get(), conn));

  Result committed(PQexec(conn, "COMMIT"));
  if (!succeeded(committed.get())) fail("COMMIT: " + describe(committed.get(), conn));
}

// Server WARNINGs (NOTICEs are turned off) go to the log, not to stderr.
void forward_notice(void* log, const char* message) {
  *static_cast<std::ostream*>(log) << "migrate: " << message;
}

}  // namespace

MigrateResult migrate(const std::string& database_url, const std::vector<Migration>& migrations,
                      std::ostream& log) {
  check_order(migrations);
  Conn conn = connect(database_url);
  PGconn* c = conn.get();
  PQsetNoticeProcessor(c, forward_notice, &log);
  must(c, "SET client_min_messages = warning", "configuring the session");
  lock(c, log);
  must(c, kCreateTable, "creating schema_migrations");
  std::vector<Applied> applied = read_applied(c);
  check_history(applied, migrations);

  MigrateResult result;
  result.version_before = applied.empty() ? 0 : applied.back().version;
  result.version_after = result.version_before;
  log << "migrate: database " << PQdb(c) << " on " << PQhost(c) << ":" << PQport(c)
      << " is at version " << result.version_before << "\n";

  for (std::size_t i = applied.size(); i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    log << "migrate: applying " << m.name << "\n" << std::flush;
    auto start = std::chrono::steady_clock::now();
    apply(c, m, result.version_after);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    log << "migrate: applied " << m.name << " (" << ms.count() << " ms)\n";
    result.version_after = m.version;
    result.applied.push_back(m.name);
  }
  log << "migrate: up to date at version " << result.version_after << "\n" << std::flush;
  return result;
}

MigrateResult migrate(const std::string& database_url, std::ostream& log) {
  return migrate(database_url, embedded_migrations(), log);
}

}  // namespace tern::db
