// base64url both ways: RFC 4648's vectors, and a decoder that accepts one
// spelling per byte string and nothing else.
#include <doctest/doctest.h>

#include <string>

#include "core/base64url.hpp"

using tern::base64url_decode;
using tern::base64url_encode;

TEST_CASE("base64url: RFC 4648 §10 vectors without padding, url-safe letters") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff\xbf", "-_-_"}};
  for (auto [plain, coded] : vectors) {
    CAPTURE(coded);
    CHECK(base64url_encode(plain) == coded);
    CHECK(base64url_decode(coded) == std::string(plain));
  }
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  CHECK(base64url_decode(base64url_encode(all)) == all);
}

TEST_CASE("base64url: anything but the canonical unpadded form is refused") {
  // Padding, a 4n+1 length, letters of standard base64 or none at all, and
  // nonzero leftover bits ("Zh" and "Zm9" are not how "f" and "fo" are written).
  for (const char* bad : {"Zg==", "Zm9v=", "Z", "Zm9vY", "Zm9+", "Zm9/", "Zm 9v", "Zh", "Zm9"}) {
    CAPTURE(bad);
    CHECK_FALSE(base64url_decode(bad).has_value());
  }
  CHECK(base64url_decode("Zg") == "f");
  CHECK(base64url_decode("Zm8") == "fo");
}
