// HMAC-SHA256 against RFC 4231's test vectors, and the kept key schedule:
// signing again, and switching keys on one thread, give the same answers as
// a fresh context would.
#include <doctest/doctest.h>

#include <string>

#include "core/hmac.hpp"

using tern::hmac_sha256;
using tern::HmacSha256;

namespace {

std::string hex(const tern::Sha256Digest& d) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned char c : d) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

// RFC 4231, test cases 1, 2 and 6 (a key longer than the block: hashed first).
const std::string kKey1(20, '\x0b'), kKey6(131, '\xaa');
const std::string kMac1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
const std::string kMac2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
const std::string kMac6 = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
const char* kData6 = "Test Using Larger Than Block-Size Key - Hash Key First";

}  // namespace

TEST_CASE("hmac: RFC 4231 vectors, again and again on one context") {
  HmacSha256 mac(kKey1);
  CHECK(hex(mac.sign("Hi There")) == kMac1);
  CHECK(hex(mac.sign("Hi There")) == kMac1);  // the kept state is not consumed
  CHECK(hex(HmacSha256("Jefe").sign("what do ya want for nothing?")) == kMac2);
  CHECK(hex(HmacSha256(kKey6).sign(kData6)) == kMac6);
}

TEST_CASE("hmac: the thread's context follows the key it is asked for") {
  CHECK(hex(hmac_sha256(kKey1, "Hi There")) == kMac1);
  CHECK(hex(hmac_sha256("Jefe", "what do ya want for nothing?")) == kMac2);
  CHECK(hex(hmac_sha256(kKey1, "Hi There")) == kMac1);
  CHECK(hex(hmac_sha256(kKey6, kData6)) == kMac6);
  CHECK(hex(hmac_sha256(kKey6, kData6)) == kMac6);
}
