// Schema migrations: brings a database up to the schema this binary expects.
//
// A migration is one SQL file, db/migrations/NNN_name.sql, compiled into the
// binary (cmake/embed_migrations.cmake); NNN is its version. The database
// records what it has in schema_migrations(version, name, applied_at).
// migrate() applies, in order, every migration newer than the database's
// newest, each in a transaction of its own together with its
// schema_migrations row, so a migration is either wholly there or not at all.
//
// It uses blocking libpq on purpose: it runs as the `tern migrate` command, or
// in tests before anything else, never on an event-loop thread, and a plain
// sequence of blocking calls is the clearest way to say what it does.
#pragma once

#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

namespace tern::db {

struct Migration {
  int version;       // the file name's number: 001_schema.sql is version 1
  std::string name;  // the file name, for messages and schema_migrations.name
  std::string sql;   // one or more statements; no BEGIN/COMMIT of its own
};

// The migrations compiled into this binary, in version order.
const std::vector<Migration>& embedded_migrations();

// Why migrating stopped: the database is unreachable, a migration failed (the
// message names its file and carries PostgreSQL's), or the database is newer
// than this binary. Nothing of the failed migration is left behind.
class MigrateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MigrateResult {
  int version_before = 0;            // 0: the database had no migrations
  int version_after = 0;             // the newest applied when it returned
  std::vector<std::string> applied;  // names, in the order they were applied
};

// Applies the pending migrations of `migrations` (strictly increasing
// versions) to the database at `database_url` (a postgresql:// URL or any
// libpq connection string) and writes one line per step to `log`.
//
// Concurrent callers serialize on an advisory lock and the later ones find
// nothing to do, so every process of a cluster may call it at start. Calling
// it again is a no-op. It refuses, and changes nothing, when the database
// holds a version this list does not know (a newer binary migrated it), or
// when an applied version's name differs from this list's (two branches
// numbered a migration alike). Throws MigrateError.
MigrateResult migrate(const std::string& database_url, const std::vector<Migration>& migrations,
                      std::ostream& log);

// The same with embedded_migrations(): what `tern migrate` runs.
MigrateResult migrate(const std::string& database_url, std::ostream& log);

}  // namespace tern::db
