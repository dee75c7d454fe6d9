// A small streaming JSON writer that appends to a std::string.
//
// It places commas and colons itself, escapes strings per RFC 8259, passes
// valid UTF-8 through untouched and replaces invalid bytes with U+FFFD (so the
// output is always valid JSON), and formats numbers with std::to_chars, which
// no locale can change. Misuse (a value where a key is due) is a logic error
// caught by assertions in debug builds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tern {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(std::uint64_t n);
  JsonWriter& value(double d);  // non-finite values are written as null
  JsonWriter& value(bool b);
  JsonWriter& null();

  // Shorthand for key(k).value(v).
  template <class T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  // Appends `s` as a quoted, escaped JSON string.
  static void append_string(std::string& out, std::string_view s);

 private:
  void before_value();

  std::string& out_;
  // One bit per nesting level: set when that level already holds an element.
  std::uint64_t has_element_ = 0;
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace tern
