#include "core/base64url.hpp"

#include <array>
#include <cstdint>

namespace tern {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::int8_t, 256> make_values() {
  std::array<std::int8_t, 256> v{};
  for (auto& x : v)
    x = -1;
  for (int i = 0; i < 64; ++i)
    v[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return v;
}
constexpr auto kValues = make_values();

}  // namespace

std::string base64url_encode(const unsigned char* data, std::size_t size) {
  std::string out((size * 4 + 2) / 3, '\0');
  char* o = out.data();
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (size - i == 1) {
    unsigned v = data[i] << 16;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
  } else if (size - i == 2) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8);
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
  }
  return out;
}

bool base64url_decode(std::string_view text, std::string& out) {
  std::size_t n = text.size(), tail = n % 4;
  if (tail == 1) return false;
  out.resize(n / 4 * 3 + (tail ? tail - 1 : 0));
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    int a = kValues[in[i]], b = kValues[in[i + 1]], c = kValues[in[i + 2]], d = kValues[in[i + 3]];
    if ((a | b | c | d) < 0) return false;
    std::uint32_t v = (std::uint32_t(a) << 18) | (std::uint32_t(b) << 12) |
                      (std::uint32_t(c) << 6) | std::uint32_t(d);
    *o++ = static_cast<unsigned char>(v >> 16);
    *o++ = static_cast<unsigned char>(v >> 8);
    *o++ = static_cast<unsigned char>(v);
  }
  if (tail == 2) {
    int a = kValues[in[i]], b = kValues[in[i + 1]];
    if ((a | b) < 0 || (b & 15)) return false;  // unused low bits must be zero
    *o++ = static_cast<unsigned char>((a << 2) | (b >> 4));
  } else if (tail == 3) {
    int a = kValues[in[i]], b = kValues[in[i + 1]], c = kValues[in[i + 2]];
    if ((a | b | c) < 0 || (c & 3)) return false;
    *o++ = static_cast<unsigned char>((a << 2) | (b >> 4));
    *o++ = static_cast<unsigned char>(((b & 15) << 4) | (c >> 2));
  }
  return true;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  if (!base64url_decode(text, out)) return std::nullopt;
  return out;
}

}  // namespace tern
