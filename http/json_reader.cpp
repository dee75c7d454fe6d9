#include "http/json_reader.hpp"

#include <simdjson.h>

namespace tern::http {

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

  Params fields;
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

}  // namespace tern::http
