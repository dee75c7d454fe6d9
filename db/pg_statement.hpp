// Statement and Params: how a query is written down.
//
// A Statement is declared once, with static storage, next to the repository
// that uses it; each connection prepares it the first time it runs there
// (PQsendPrepare travels in the same pipeline segment as the first execute,
// so preparing costs no extra round trip). SQL is never built from input:
// values travel as parameters, in PostgreSQL's text format.
//
//   static const db::Statement kUserById{"user_by_id",
//       "SELECT id, email, nick FROM users WHERE id = $1"};
//   auto rows = co_await pool.query(kUserById, id);
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::db {

class Statement {
 public:
  // `name` must be unique in the process; statements must outlive every pool.
  Statement(std::string name, std::string sql);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  const std::string& name() const { return name_; }
  const std::string& sql() const { return sql_; }
  std::size_t id() const { return id_; }  // dense, for per-connection "prepared" bitmaps

 private:
  std::string name_;
  std::string sql_;
  std::size_t id_;
};

// Query parameters, encoded as NUL-terminated text into one buffer (one
// allocation for the common case). Integers, bool, strings, NULL (std::nullopt or an empty
// optional) and arrays of integers or strings (for `= ANY($1)`).
class Params {
 public:
  Params() = default;
  template <class... Args>
  explicit Params(const Args&... args) {
    (add(args), ...);
  }

  void add(std::nullopt_t) { spans_.push_back({0, -1}); }
  void add(bool v) { add(std::string_view(v ? "t" : "f")); }
  template <std::integral T>
  requires(!std::same_as<T, bool>) void add(T v) {
    char tmp[24];
    auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
    add(std::string_view(tmp, static_cast<std::size_t>(end - tmp)));
  }
  // Text-format values travel NUL-terminated, and PostgreSQL text cannot
  // hold a NUL byte anyway: such a value is refused (PgError invalid_input)
  // rather than silently cut short.
  void add(std::string_view v);
  void add(const std::string& v) { add(std::string_view(v)); }
  void add(const char* v) { add(std::string_view(v)); }
  template <class T>
  void add(const std::optional<T>& v) {
    if (v)
      add(*v);
    else
      add(std::nullopt);
  }
  void add(const std::vector<std::int64_t>& values);  // '{1,2,3}'
  void add(const std::vector<std::string>& values);   // '{"a","b"}', quoted

  int size() const { return static_cast<int>(spans_.size()); }

  // libpq's parallel arrays; valid until the next add().
  struct View {
    std::vector<const char*> values;
    std::vector<int> lengths;
  };
  View view() const;

 private:
  struct Span {
    std::size_t offset;
    int length;  // -1: NULL
  };
  std::string buffer_;
  std::vector<Span> spans_;
};

}  // namespace tern::db
