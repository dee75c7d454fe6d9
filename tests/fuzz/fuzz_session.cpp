// Fuzzes what a session cookie and a stored session go through before anyone
// trusts them: verify_session_cookie (shape, base64url, HMAC) and
// decode_session (the stored JSON). Invariants: nothing but a cookie we
// signed verifies, a signed cookie always verifies to its id, and an encoded
// session decodes to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/base64url.hpp"
#include "db/session_store.hpp"
#include "handlers/session_cookie.hpp"

namespace {

constexpr std::string_view kSecret = "fuzz-secret-fuzz-secret-fuzz-secret-0123";

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace tern;

  // Arbitrary bytes as a cookie: only the one we would have signed passes.
  if (auto id = handlers::verify_session_cookie(input, kSecret))
    check(handlers::sign_session_id(*id, kSecret) == input);

  // Our own cookie for an id made of the input verifies, and any change to
  // its MAC does not.
  if (size >= 32) {
    std::string id = tern::base64url_encode(data, 32);
    std::string cookie = handlers::sign_session_id(id, kSecret);
    auto back = handlers::verify_session_cookie(cookie, kSecret);
    check(back && *back == id);
    if (size > 32) {
      std::size_t at = 44 + data[32] % 43;
      cookie[at] = cookie[at] == 'A' ? 'B' : 'A';
      check(!handlers::verify_session_cookie(cookie, kSecret));
    }
  }

  // Arbitrary bytes as a stored session: decoded or refused, never trusted
  // with a non-positive user id; what we encode decodes to itself.
  if (auto s = db::decode_session(input)) {
    check(s->user_id > 0);
    auto again = db::decode_session(db::encode_session(*s));
    check(again && again->user_id == s->user_id && again->created == s->created);
  }
  return 0;
}
