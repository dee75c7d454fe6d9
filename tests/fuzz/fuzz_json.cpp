// Fuzzes the JSON body reader and the stored-record integer reader.
// Invariants: a body that reads is a flat object of at most max_fields
// distinct keys, and written back with JsonWriter it reads again as exactly
// the same fields in the same order; when both readers accept a text, the
// integers read_json_integers found are the numbers read_json_object saw.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "core/json_reader.hpp"
#include "core/json_writer.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string body(text);
  constexpr std::size_t kMaxFields = 16;
  auto read = tern::read_json_object(body, kMaxFields);
  check(read.fields.has_value() != !read.error.empty());
  if (read.fields) {
    check(read.fields->size() <= kMaxFields);
    std::set<std::string> keys;
    for (const auto& [k, v] : *read.fields)
      check(keys.insert(k).second);
    std::string out;
    tern::JsonWriter w(out);
    w.begin_object();
    for (const auto& [k, v] : *read.fields)
      w.field(k, v);
    w.end_object();
    auto again = tern::read_json_object(out, kMaxFields);
    check(again.fields.has_value() && *again.fields == *read.fields);
  }

  std::int64_t ints[2] = {0, 0};
  if (tern::read_json_integers(text, {"uid", "created"}, ints) && read.fields) {
    const char* names[2] = {"uid", "created"};
    for (int i = 0; i < 2; ++i) {
      const std::string* value = nullptr;
      for (const auto& [k, v] : *read.fields)
        if (k == names[i]) value = &v;
      check(value != nullptr);
      std::int64_t parsed = 0;
      auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), parsed);
      check(ec == std::errc() && end == value->data() + value->size() && parsed == ints[i]);
    }
  }
  return 0;
}
