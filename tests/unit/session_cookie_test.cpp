// The session cookie: base64url, random ids, a MAC that only the secret's
// holder can make, and nothing accepted that is not exactly id.mac.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "handlers/session_cookie.hpp"

using namespace tern::handlers;

namespace {
const std::string kSecret(40, 'k');
}

TEST_CASE("session cookie: ids are 256 random bits; the MAC binds id and secret") {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i)
    ids.insert(new_session_id());
  CHECK(ids.size() == 100);
  std::string id = *ids.begin();
  CHECK(id.size() == 43);

  std::string cookie = sign_session_id(id, kSecret);
  CHECK(verify_session_cookie(cookie, kSecret) == id);
  CHECK_FALSE(verify_session_cookie(cookie, std::string(40, 'j')));  // another secret
  std::string other = *std::next(ids.begin());
  CHECK_FALSE(verify_session_cookie(other + cookie.substr(43), kSecret));  // MAC of another id
  std::string flipped = cookie;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  CHECK_FALSE(verify_session_cookie(flipped, kSecret));
  for (const std::string& junk :
       std::vector<std::string>{"", ".", id, id + ".", cookie + "x", cookie.substr(1)})
    CHECK_FALSE(verify_session_cookie(junk, kSecret));
  CHECK(csrf_token(id, kSecret) != csrf_token(other, kSecret));
}
