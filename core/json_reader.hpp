// Reading JSON request bodies with simdjson's on-demand API.
//
// tern's request bodies are flat objects ({"email": ..., "password": ...}), so
// the reader turns one into ordered key/value pairs: strings unescaped, numbers
// and booleans as their JSON text, null as absent. Nested values, duplicate
// keys and anything after the object are rejected: a body is either clearly
// what a route expects or a 400.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern {

// Keys and values in the order they came (http::Params is this same type).
using JsonFields = std::vector<std::pair<std::string, std::string>>;

struct JsonReadResult {
  std::optional<JsonFields> fields;  // set on success
  std::string error;                 // why not, on failure
};

// `body` gains simdjson's padding in its capacity (not its size).
JsonReadResult read_json_object(std::string& body, std::size_t max_fields = 64);

// For small stored records such as a session ({"uid":1,"created":1700000000}):
// writes the integer value of each of `keys` in a flat JSON object to
// out[0..keys.size()), in the order of `keys`. False when `text` is not a
// JSON object, or a key is missing, repeated or not an integer. Other keys
// are ignored. No heap allocation for texts under 512 bytes (the read path of
// every session check).
bool read_json_integers(std::string_view text, std::initializer_list<std::string_view> keys,
                        std::int64_t* out);

}  // namespace tern
