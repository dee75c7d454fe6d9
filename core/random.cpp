#include "core/random.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "core/base64url.hpp"

namespace tern {

std::string random_base64url(std::size_t bytes) {
  unsigned char small[64];
  std::vector<unsigned char> large;
  unsigned char* out = small;
  if (bytes > sizeof small) {
    large.resize(bytes);
    out = large.data();
  }
  if (RAND_bytes(out, static_cast<int>(bytes)) != 1) throw std::runtime_error("no random bytes");
  return base64url_encode(out, bytes);
}

}  // namespace tern
