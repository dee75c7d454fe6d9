// RAII for libpq's blocking handles, for the commands that talk to
// PostgreSQL synchronously outside any event loop (tern migrate, tern seed).
#pragma once

#include <libpq-fe.h>

#include <memory>

namespace tern::db {

struct PgConnClose {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultClear {
  void operator()(PGresult* r) const { PQclear(r); }
};
using BlockingConn = std::unique_ptr<PGconn, PgConnClose>;
using BlockingResult = std::unique_ptr<PGresult, PgResultClear>;

}  // namespace tern::db
