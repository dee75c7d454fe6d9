#include "db/pg_error.hpp"

#include <libpq-fe.h>

#include <string_view>

namespace tern::db {

namespace {

PgError::Kind classify(std::string_view state) {
  using K = PgError::Kind;
  if (state == "23505") return K::unique_violation;
  if (state == "23503") return K::foreign_key_violation;
  if (state == "23514" || state == "23502") return K::check_violation;
  if (state.starts_with("22")) return K::invalid_input;
  if (state == "40001" || state == "40P01") return K::serialization_failure;
  if (state == "57014") return K::timeout;
  // Class 08 (connection exception), 57P01..57P03 (admin shutdown, crash
  // shutdown, cannot connect now): the server went away under us.
  if (state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03")
    return K::connection_lost;
  return K::other;
}

std::string field(const PGresult* r, int code) {
  const char* v = PQresultErrorField(r, code);
  return v ? v : "";
}

}  // namespace

PgError PgError::from_result(const pg_result* result) {
  std::string state = field(result, PG_DIAG_SQLSTATE);
  std::string message = field(result, PG_DIAG_MESSAGE_PRIMARY);
  if (message.empty()) message = PQresultErrorMessage(result);
  return PgError(classify(state), std::move(message), state,
                 field(result, PG_DIAG_CONSTRAINT_NAME));
}

const char* to_string(PgError::Kind kind) {
  switch (kind) {
    case PgError::Kind::unique_violation:
      return "unique_violation";
    case PgError::Kind::foreign_key_violation:
      return "foreign_key_violation";
    case PgError::Kind::check_violation:
      return "check_violation";
    case PgError::Kind::invalid_input:
      return "invalid_input";
    case PgError::Kind::serialization_failure:
      return "serialization_failure";
    case PgError::Kind::timeout:
      return "timeout";
    case PgError::Kind::connection_lost:
      return "connection_lost";
    case PgError::Kind::unavailable:
      return "unavailable";
    case PgError::Kind::other:
      return "other";
  }
  return "other";
}

}  // namespace tern::db
