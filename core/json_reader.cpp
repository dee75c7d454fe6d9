#include "core/json_reader.hpp"

#include <simdjson.h>

#include <cstring>

namespace tern {

JsonReadResult read_json_object(std::string& body, std::size_t max_fields) {
  namespace od = simdjson::ondemand;
  // One parser per thread: its buffers are reused and it is not thread-safe.
  thread_local od::parser parser;
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);

  JsonReadResult result;
  auto fail = [&](std::string why) {
    result.fields.reset();
    result.error = std::move(why);
    return result;
  };

  od::document doc;
  if (parser.iterate(simdjson::padded_string_view(body.data(), body.size(), body.capacity()))
          .get(doc))
    return fail("body is not valid JSON");
  od::object object;
  if (doc.get_object().get(object)) return fail("body must be a JSON object");

  JsonFields fields;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return fail("body is not valid JSON");
    if (fields.size() == max_fields) return fail("too many fields");
    for (const auto& [k, v] : fields)
      if (k == key) return fail("duplicate field '" + std::string(key) + "'");
    od::value value;
    if (field.value().get(value)) return fail("body is not valid JSON");
    od::json_type type;
    if (value.type().get(type)) return fail("body is not valid JSON");
    std::string_view text;
    switch (type) {
      case od::json_type::string:
        if (value.get_string().get(text)) return fail("body is not valid JSON");
        fields.emplace_back(std::string(key), std::string(text));
        break;
      case od::json_type::number:
      case od::json_type::boolean: {
        // raw_json_token() does not validate the token; parse it to be sure.
        text = value.raw_json_token();
        while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                                 text.back() == '\t'))
          text.remove_suffix(1);
        if (type == od::json_type::number) {
          double d;
          if (value.get_double().get(d)) return fail("body is not valid JSON");
        } else {
          bool b;
          if (value.get_bool().get(b)) return fail("body is not valid JSON");
        }
        fields.emplace_back(std::string(key), std::string(text));
        break;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (value.is_null().get(is_null) || !is_null) return fail("body is not valid JSON");
        break;
      }
      default:
        return fail("field '" + std::string(key) + "' must be a string, number or boolean");
    }
  }
  // At the end of the input current_location() reports OUT_OF_BOUNDS;
  // anything else means bytes follow the object.
  const char* location = nullptr;
  if (doc.current_location().get(location) != simdjson::OUT_OF_BOUNDS)
    return fail("body is not valid JSON");
  result.fields = std::move(fields);
  return result;
}

bool read_json_integers(std::string_view text, std::initializer_list<std::string_view> keys,
                        std::int64_t* out) {
  namespace od = simdjson::ondemand;
  thread_local od::parser parser;
  constexpr std::size_t kSmall = 512;
  char small[kSmall + simdjson::SIMDJSON_PADDING];
  simdjson::padded_string large;
  simdjson::padded_string_view padded;
  if (text.size() <= kSmall) {
    std::memcpy(small, text.data(), text.size());
    padded = simdjson::padded_string_view(small, text.size(), sizeof small);
  } else {
    large = simdjson::padded_string(text);
    padded = large;
  }
  od::document doc;
  od::object object;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(object)) return false;
  std::size_t found = 0;
  bool seen[16] = {};
  if (keys.size() > std::size(seen)) return false;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    std::size_t i = 0;
    for (auto want : keys) {
      if (want == key) break;
      ++i;
    }
    if (i == keys.size()) continue;  // not asked for: on-demand skips it
    if (seen[i]) return false;
    std::int64_t v;
    if (field.value().get_int64().get(v)) return false;
    seen[i] = true;
    out[i] = v;
    ++found;
  }
  // The object must end where the text does (nothing after the closing
  // brace): at the end current_location() reports OUT_OF_BOUNDS.
  const char* location = nullptr;
  if (doc.current_location().get(location) != simdjson::OUT_OF_BOUNDS) return false;
  return found == keys.size();
}

}  // namespace tern
