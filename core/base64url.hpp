// base64url (RFC 4648 §5) without padding, as session cookies and JWTs
// (RFC 7515 §2) spell their bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tern {

std::string base64url_encode(const unsigned char* data, std::size_t size);
inline std::string base64url_encode(std::string_view bytes) {
  return base64url_encode(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

// The bytes, or nullopt for anything that is not canonical unpadded
// base64url: a character outside the alphabet, '=' padding, a length of
// 4n+1, or unused low bits that are not zero (so each byte string has
// exactly one spelling, and a token cannot be altered without changing it).
std::optional<std::string> base64url_decode(std::string_view text);
// The same into `out` (its contents replaced, its capacity reused): false
// where the other gives nullopt, with `out` then unspecified.
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace tern
