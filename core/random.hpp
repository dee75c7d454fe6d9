// Unguessable names and secrets: `bytes` bytes from OpenSSL's CSPRNG, spelled
// in base64url (session ids, upload names, client secrets, refresh tokens).
#pragma once

#include <cstddef>
#include <string>

namespace tern {

// Throws std::runtime_error if the generator cannot be seeded.
std::string random_base64url(std::size_t bytes);

}  // namespace tern
