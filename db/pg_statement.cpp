#include "db/pg_statement.hpp"

#include <atomic>

#include "db/pg_error.hpp"

namespace tern::db {

namespace {
std::atomic<std::size_t> next_statement_id{0};
}

Statement::Statement(std::string name, std::string sql)
    : name_(std::move(name)), sql_(std::move(sql)), id_(next_statement_id++) {}

void Params::add(std::string_view v) {
  if (v.find('\0') != std::string_view::npos)
    throw PgError(PgError::Kind::invalid_input, "a text value contains a NUL byte");
  spans_.push_back({buffer_.size(), static_cast<int>(v.size())});
  buffer_.append(v);
  buffer_.push_back('\0');
}

void Params::add(const std::vector<std::int64_t>& values) {
  std::string text = "{";
  char tmp[24];
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) text += ',';
    auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, values[i]);
    text.append(tmp, end);
  }
  text += '}';
  add(std::string_view(text));
}

void Params::add(const std::vector<std::string>& values) {
  // Array literal syntax: every element double-quoted, with '"' and '\'
  // escaped by a backslash. Quoting every element also covers "NULL", commas,
  // braces and empty strings.
  std::string text = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) text += ',';
    text += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') text += '\\';
      text += c;
    }
    text += '"';
  }
  text += '}';
  add(std::string_view(text));
}

Params::View Params::view() const {
  View v;
  v.values.reserve(spans_.size());
  v.lengths.reserve(spans_.size());
  for (const Span& s : spans_) {
    v.values.push_back(s.length < 0 ? nullptr : buffer_.data() + s.offset);
    v.lengths.push_back(s.length < 0 ? 0 : s.length);
  }
  return v;
}

}  // namespace tern::db
