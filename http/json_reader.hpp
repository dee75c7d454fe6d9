// Reading JSON request bodies with simdjson's on-demand API.
//
// tern's request bodies are flat objects ({"email": ..., "password": ...}), so
// the reader turns one into ordered key/value pairs: strings unescaped, numbers
// and booleans as their JSON text, null as absent. Nested values, duplicate
// keys and anything after the object are rejected: a body is either clearly
// what a route expects or a 400.
#pragma once

#include <optional>
#include <string>

#include "http/url.hpp"

namespace tern::http {

struct JsonReadResult {
  std::optional<Params> fields;  // set on success
  std::string error;             // why not, on failure
};

// `body` gains simdjson's padding in its capacity (not its size).
JsonReadResult read_json_object(std::string& body, std::size_t max_fields = 64);

}  // namespace tern::http
