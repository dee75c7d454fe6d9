#include "db/pg_result.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>

#include "db/pg_error.hpp"

namespace tern::db {

void PgResult::Clear::operator()(pg_result* r) const {
  PQclear(r);
}

PgResult::PgResult(pg_result* result) : result_(result) {}

int PgResult::size() const {
  return result_ ? PQntuples(result_.get()) : 0;
}

int PgResult::columns() const {
  return result_ ? PQnfields(result_.get()) : 0;
}

std::int64_t PgResult::affected() const {
  if (!result_) return 0;
  const char* n = PQcmdTuples(result_.get());
  return *n ? detail::parse_int(n) : 0;
}

Row PgResult::operator[](int row) const {
  return Row(result_.get(), row);
}

Row PgResult::front() const {
  if (empty()) throw PgError(PgError::Kind::other, "query returned no rows");
  return Row(result_.get(), 0);
}

PgResult::Iterator PgResult::begin() const {
  return Iterator(result_.get(), 0);
}

PgResult::Iterator PgResult::end() const {
  return Iterator(result_.get(), size());
}

bool Row::is_null(int column) const {
  return PQgetisnull(result_, row_, column) != 0;
}

std::string_view Row::text(int column) const {
  return {PQgetvalue(result_, row_, column),
          static_cast<std::size_t>(PQgetlength(result_, row_, column))};
}

namespace detail {

std::int64_t parse_int(std::string_view text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw PgError(PgError::Kind::other, "not an integer: '" + std::string(text) + "'");
  return v;
}

double parse_double(std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw PgError(PgError::Kind::other, "not a number: '" + std::string(text) + "'");
  return v;
}

void null_field(int column) {
  throw PgError(PgError::Kind::other, "unexpected NULL in column " + std::to_string(column));
}

}  // namespace detail

}  // namespace tern::db
