#pragma once

#include <string_view>

namespace tern::http {

// The reason phrase for a status code ("Not Found"); "Unknown" if unlisted.
std::string_view reason_phrase(int status);

}  // namespace tern::http
