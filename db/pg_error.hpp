// PgError: what a query can fail with, classified so a handler can answer
// without reading SQLSTATE codes: a unique violation is a 409, a foreign-key
// violation a 404 (the thing referred to is gone), invalid input a 400, and
// anything that means
// "the database is not there right now" a 503.
#pragma once

#include <string>

#include "core/backing_error.hpp"

struct pg_result;

namespace tern::db {

class PgError : public BackingError {
 public:
  enum class Kind {
    unique_violation,       // 23505
    foreign_key_violation,  // 23503
    check_violation,        // 23514, 23502 (not null)
    invalid_input,          // class 22: bad encoding, out of range, too long...
    serialization_failure,  // 40001, 40P01 (deadlock): retrying may succeed
    timeout,                // 57014 statement timeout, or our client deadline
    connection_lost,        // the connection broke with the query in flight
    unavailable,            // no connection to send it on (server down, pool closed)
    other,                  // everything else: a bug in our SQL, most likely
  };

  PgError(Kind kind, std::string message, std::string sqlstate = {}, std::string constraint = {})
      : BackingError("database", message),
        kind_(kind),
        sqlstate_(std::move(sqlstate)),
        constraint_(std::move(constraint)) {}

  // From an error result (PGRES_FATAL_ERROR).
  static PgError from_result(const pg_result* result);

  Kind kind() const { return kind_; }
  const std::string& sqlstate() const { return sqlstate_; }
  const std::string& constraint() const { return constraint_; }  // e.g. "users_email_key"

  // The database could not be reached or gave up, or rolled the statement
  // back for a conflict that a retry may not meet (a deadlock, a
  // serialization failure): answer 503 with Retry-After, not 500.
  bool is_unavailable() const {
    return kind_ == Kind::timeout || kind_ == Kind::connection_lost ||
           kind_ == Kind::unavailable || kind_ == Kind::serialization_failure;
  }
  bool unavailable() const override { return is_unavailable(); }

 private:
  Kind kind_;
  std::string sqlstate_;
  std::string constraint_;
};

const char* to_string(PgError::Kind kind);

}  // namespace tern::db
