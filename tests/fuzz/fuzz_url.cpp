// Fuzzes percent-decoding and query/form parsing. Invariants: a decoded
// value never holds a NUL byte and is never longer than its input; every
// decoded value survives escaping and decoding again unchanged; parsing never
// returns more pairs than allowed; and a parsed query, written out again
// with every byte escaped, parses back to the same pairs in the same order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/url.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::string escape_all(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool plus = data[0] & 1;
  const std::size_t max_pairs = 1 + (data[0] >> 1) % 16;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  if (auto decoded = tern::http::percent_decode(in, plus)) {
    check(decoded->size() <= in.size());
    check(decoded->find('\0') == std::string::npos);
    check(tern::http::percent_decode(escape_all(*decoded), plus) == decoded);
  }

  if (auto params = tern::http::parse_query(in, max_pairs)) {
    check(params->size() <= max_pairs);
    std::string again;
    for (const auto& [key, value] : *params) {
      check(key.find('\0') == std::string::npos && value.find('\0') == std::string::npos);
      if (!again.empty()) again += '&';
      again += escape_all(key) + "=" + escape_all(value);
    }
    auto reparsed = tern::http::parse_query(again, max_pairs);
    check(reparsed.has_value());
    // An empty key with an empty value ("=" or "&=&") is kept as a pair
    // but written back as "=", which is the same pair again.
    check(*reparsed == *params);
    if (!params->empty()) {
      auto first = tern::http::find_param(*params, params->front().first);
      check(first && *first == params->front().second);
    }
  }
  return 0;
}
