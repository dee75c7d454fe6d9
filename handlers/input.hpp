// Reading a request's input the way every route does: ids in the path,
// paging in the query, text fields in the body. Each refuses what it cannot
// use with a 400 that names the input; nothing here touches a database.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/request.hpp"

namespace tern::handlers {

// The :name segment as a positive 64-bit id; 400 invalid_id otherwise.
std::int64_t path_id(const http::Request& req, std::string_view name);

// ?limit= within [1, max] (`fallback` when absent); 400 invalid_limit otherwise.
int page_limit(http::Request& req, int fallback, int max);

// ?name= as a positive id (0 when absent); 400 invalid_cursor otherwise.
std::int64_t cursor(http::Request& req, std::string_view name);

// The :name segment as a hashtag to look up: well-formed UTF-8, 1..200
// characters, lower-cased as tags are stored; 400 invalid_hashtag otherwise.
std::string hashtag_param(const http::Request& req, std::string_view name);

// A body field ("" when absent).
std::string field(const http::Params& fields, std::string_view name);

// A body text field of `min`..`max` characters (code points) of well-formed
// UTF-8 with no control characters but newline and tab; 400 `code` otherwise.
std::string text_field(const http::Params& fields, std::string_view name, std::size_t min,
                       std::size_t max, std::string_view code);

}  // namespace tern::handlers
