// Fuzzes chunked request bodies on their own: the input (after two control
// bytes) is what follows a chunked POST's head — chunk sizes, extensions,
// data, trailers, and perhaps a pipelined request. Invariants: the verdict
// (complete, incomplete, or which error), the body and the bytes consumed
// are the same whether the input arrives whole, in two reads split at a
// position the first byte picks, or one byte at a time; and a streamed body
// (handed on after every read, as uploads are) is byte for byte the body
// the parser would have buffered. The body is never over its limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/parser.hpp"

namespace {

constexpr std::size_t kLimit = 256;
constexpr std::string_view kHead =
    "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

void check(bool ok) {
  if (!ok) std::abort();
}

// Feeds `input` in reads of `first` bytes and then `step` bytes; returns the
// verdict, the consumed count and the body as one comparable string.
std::string run(std::string_view input, std::size_t first, std::size_t step, bool stream) {
  using Event = tern::http::RequestParser::Event;
  tern::http::RequestParser parser(1024, [&](tern::http::Request&) {
    if (stream) parser.stream_body();
    return kLimit;
  });
  std::string body;
  std::size_t offset = 0;
  std::string verdict = "incomplete";
  while (offset < input.size()) {
    std::size_t n = offset == 0 ? first : step;
    std::string_view piece = input.substr(offset, n);
    std::size_t used = 0;
    Event event = parser.feed(piece.data(), piece.size(), used);
    check(used <= piece.size());
    if (stream) {
      body += parser.request().body;
      parser.request().body.clear();
    }
    if (event == Event::error) {
      int s = parser.error_status();
      check(s == 400 || s == 413);
      verdict = "error " + std::to_string(s);
      break;
    }
    offset += used;
    if (event == Event::message_complete) {
      verdict = "complete at " + std::to_string(offset);
      break;
    }
    check(used == piece.size());
  }
  if (!stream) body = parser.request().body;
  check(body.size() <= kLimit);
  // An error leaves the body undefined (the connection closes): compare the
  // verdict alone.
  if (verdict.starts_with("error")) return verdict;
  return verdict + "\n" + body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::string input(kHead);
  input.append(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::size_t cut = kHead.size() + data[0] % (size - 1);
  bool stream = data[1] & 1;

  std::string whole = run(input, input.size(), input.size(), false);
  check(run(input, input.size(), input.size(), stream) == whole);
  check(run(input, cut, input.size(), stream) == whole);
  check(run(input, 1, 1, stream) == whole);
  return 0;
}
