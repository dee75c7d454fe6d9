// Streaming multipart/form-data (RFC 7578 on RFC 2046), for uploads: bytes
// go in as they arrive, in pieces of any size, and a part's body comes out
// as it is found — never the whole body in memory. What is held back is at
// most one delimiter's length (a possible delimiter split across reads) and
// the current part's headers (bounded).
//
// Strict: the body must begin with the first delimiter (a preamble of its
// own is refused — browsers and curl never send one), every part needs a
// Content-Disposition of form-data with a name, header lines end in CRLF,
// and the close delimiter must arrive before the body ends.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tern::http {

// The boundary parameter of a multipart/form-data Content-Type (1–70
// characters of RFC 2046's bchars, quoted or not); nullopt if the type is
// not multipart/form-data or the boundary is missing or malformed.
std::optional<std::string> multipart_boundary(std::string_view content_type);

struct PartHead {
  std::string name;                     // the form field
  std::optional<std::string> filename;  // set for a file part
  std::string content_type;             // as sent (never trusted)
};

class MultipartParser {
 public:
  struct Handler {
    virtual ~Handler() = default;
    virtual void part_begin(const PartHead& head) = 0;
    virtual void part_data(std::string_view bytes) = 0;
    virtual void part_end() = 0;
  };

  static constexpr std::size_t kMaxHeaderBytes = 4096;  // per part
  static constexpr std::size_t kMaxParts = 16;
  static constexpr std::size_t kMaxPadding = 64;  // blanks after a delimiter

  explicit MultipartParser(std::string boundary);

  // Parses `bytes`, calling `handler` as parts are found. False once the
  // body is malformed (error() says why); nothing is called after that.
  bool feed(std::string_view bytes, Handler& handler);
  // The whole body has been fed: true if it was complete.
  bool finish();

  bool done() const { return state_ == State::epilogue; }
  const std::string& error() const { return error_; }

 private:
  enum class State { start, after_delimiter, headers, body, epilogue, failed };
  bool fail(std::string why);
  bool parse_headers(std::string_view block, PartHead& head);

  std::string delimiter_;  // "\r\n--" + boundary
  std::string buffer_;     // unconsumed input (a possible delimiter, or headers)
  State state_ = State::start;
  std::size_t parts_ = 0;
  std::string error_;
};

}  // namespace tern::http
