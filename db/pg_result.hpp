// PgResult: the rows of one query, owned (RAII over PGresult), read through
// typed accessors. Results are in PostgreSQL's text format; each get<T>()
// parses one field with std::from_chars, without allocating for numbers and
// string_views.
//
//   for (auto row : result) users.push_back({row.get<std::int64_t>(0),
//                                            row.get<std::string>(1)});
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

struct pg_result;

namespace tern::db {

class Row;

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* result);

  int size() const;  // rows
  bool empty() const { return size() == 0; }
  int columns() const;
  std::int64_t affected() const;  // rows changed by INSERT/UPDATE/DELETE
  Row operator[](int row) const;
  Row front() const;  // the first row; throws when there is none

  class Iterator;
  Iterator begin() const;
  Iterator end() const;

  const pg_result* get() const { return result_.get(); }

 private:
  struct Clear {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

class Row {
 public:
  Row(const pg_result* result, int row) : result_(result), row_(row) {}

  bool is_null(int column) const;
  std::string_view text(int column) const;  // "" for NULL

  // T: std::int64_t, int, bool, double, std::string, std::string_view, or
  // std::optional of one of those (NULL → nullopt; otherwise NULL throws).
  template <class T>
  T get(int column) const;

 private:
  const pg_result* result_;
  int row_;
};

class PgResult::Iterator {
 public:
  Iterator(const pg_result* r, int i) : result_(r), row_(i) {}
  Row operator*() const { return Row(result_, row_); }
  Iterator& operator++() {
    ++row_;
    return *this;
  }
  bool operator==(const Iterator& o) const { return row_ == o.row_; }

 private:
  const pg_result* result_;
  int row_;
};

namespace detail {
template <class T>
inline constexpr bool is_optional = false;
template <class T>
inline constexpr bool is_optional<std::optional<T>> = true;

std::int64_t parse_int(std::string_view text);
double parse_double(std::string_view text);
[[noreturn]] void null_field(int column);
}  // namespace detail

template <class T>
T Row::get(int column) const {
  if constexpr (detail::is_optional<T>) {
    if (is_null(column)) return std::nullopt;
    return get<typename T::value_type>(column);
  } else {
    if (is_null(column)) detail::null_field(column);
    std::string_view v = text(column);
    if constexpr (std::is_same_v<T, std::string_view>)
      return v;
    else if constexpr (std::is_same_v<T, std::string>)
      return std::string(v);
    else if constexpr (std::is_same_v<T, bool>)
      return v == "t";
    else if constexpr (std::is_same_v<T, double>)
      return detail::parse_double(v);
    else if constexpr (std::is_integral_v<T>)
      return static_cast<T>(detail::parse_int(v));
    else
      static_assert(sizeof(T) == 0, "unsupported column type");
  }
}

}  // namespace tern::db
