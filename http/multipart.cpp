#include "http/multipart.hpp"

#include "http/text.hpp"

namespace tern::http {

namespace {

// RFC 2046 §5.1.1: bcharsnospace, and space except at the end.
bool is_bchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// The value of `name` among "; a=b; c=\"d\"" parameters (quoted-string
// unescaped), or nullopt. Names compare case-insensitively.
std::optional<std::string> parameter(std::string_view params, std::string_view name) {
  std::size_t i = 0;
  while (i < params.size()) {
    auto semi = params.find(';', i);
    if (semi == std::string_view::npos) return std::nullopt;
    i = semi + 1;
    while (i < params.size() && (params[i] == ' ' || params[i] == '\t'))
      ++i;
    auto eq = params.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    auto key = trim_ows(params.substr(i, eq - i));
    i = eq + 1;
    std::string value;
    if (i < params.size() && params[i] == '"') {
      ++i;
      bool closed = false;
      while (i < params.size()) {
        char c = params[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < params.size()) c = params[i++];
        value += c;
      }
      if (!closed) return std::nullopt;
    } else {
      auto end = params.find(';', i);
      value =
          std::string(trim_ows(params.substr(i, end == std::string_view::npos ? end : end - i)));
      i = end == std::string_view::npos ? params.size() : end;
    }
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  auto semi = content_type.find(';');
  if (!iequals(trim_ows(content_type.substr(0, semi)), "multipart/form-data")) return std::nullopt;
  if (semi == std::string_view::npos) return std::nullopt;
  auto boundary = parameter(content_type.substr(semi), "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70 || boundary->back() == ' ')
    return std::nullopt;
  for (char c : *boundary)
    if (!is_bchar(c)) return std::nullopt;
  return boundary;
}

MultipartParser::MultipartParser(std::string boundary) : delimiter_("\r\n--" + boundary) {}

bool MultipartParser::fail(std::string why) {
  state_ = State::failed;
  error_ = std::move(why);
  buffer_.clear();
  return false;
}

bool MultipartParser::parse_headers(std::string_view block, PartHead& head) {
  bool disposition = false;
  while (!block.empty()) {
    auto eol = block.find("\r\n");
    auto line = block.substr(0, eol);
    block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 2);
    auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return fail("malformed part header");
    auto name = line.substr(0, colon);
    for (char c : name)
      if (!is_tchar(c)) return fail("malformed part header");
    auto value = trim_ows(line.substr(colon + 1));
    for (unsigned char c : value)
      if ((c < 0x20 && c != '\t') || c == 0x7F) return fail("control character in a part header");
    if (iequals(name, "content-disposition")) {
      if (disposition) return fail("two Content-Disposition headers in a part");
      disposition = true;
      auto semi = value.find(';');
      if (!iequals(trim_ows(value.substr(0, semi)), "form-data"))
        return fail("a part that is not form-data");
      auto params = semi == std::string_view::npos ? std::string_view() : value.substr(semi);
      auto field = parameter(params, "name");
      if (!field || field->empty()) return fail("a part without a name");
      head.name = std::move(*field);
      head.filename = parameter(params, "filename");
    } else if (iequals(name, "content-type")) {
      head.content_type = std::string(value);
    }
  }
  if (!disposition) return fail("a part without Content-Disposition");
  return true;
}

bool MultipartParser::feed(std::string_view bytes, Handler& handler) {
  if (state_ == State::failed) return false;
  if (state_ == State::epilogue) return true;  // whatever follows the close is ignored
  buffer_.append(bytes);
  std::string_view in(buffer_);
  std::size_t used = 0;
  auto consume = [&](std::size_t n) {
    in.remove_prefix(n);
    used += n;
  };
  for (;;) {
    switch (state_) {
      case State::start: {
        // The first delimiter has no CRLF before it.
        std::string_view first(delimiter_.data() + 2, delimiter_.size() - 2);
        if (in.size() < first.size()) {
          if (!first.starts_with(in)) return fail("the body does not start with the boundary");
          goto need_more;
        }
        if (!in.starts_with(first)) return fail("the body does not start with the boundary");
        consume(first.size());
        state_ = State::after_delimiter;
        break;
      }
      case State::after_delimiter: {
        // "--" closes; otherwise optional transport padding, then CRLF.
        if (in.size() < 2) goto need_more;
        if (in.starts_with("--")) {
          state_ = State::epilogue;
          buffer_.clear();
          return true;
        }
        // At most kMaxPadding blanks: one more is refused whether or not
        // the CRLF has arrived yet, so the verdict never depends on a read.
        std::size_t pad = 0;
        while (pad < in.size() && pad <= kMaxPadding && (in[pad] == ' ' || in[pad] == '\t'))
          ++pad;
        if (pad > kMaxPadding) return fail("malformed delimiter line");
        if (in.size() < pad + 2) goto need_more;
        if (in.substr(pad, 2) != "\r\n") return fail("malformed delimiter line");
        consume(pad + 2);
        if (++parts_ > kMaxParts) return fail("too many parts");
        state_ = State::headers;
        break;
      }
      case State::headers: {
        auto end = in.find("\r\n\r\n");
        // Not found yet, the blank line can still begin in the last three
        // bytes: only more than that past the limit is certainly too much.
        std::size_t header_bytes = end != std::string_view::npos ? end
                                   : in.size() < 3               ? 0
                                                                 : in.size() - 3;
        if (header_bytes > kMaxHeaderBytes) return fail("part headers too large");
        if (in.starts_with("\r\n")) return fail("a part without Content-Disposition");
        if (end == std::string_view::npos) goto need_more;
        PartHead head;
        if (!parse_headers(in.substr(0, end), head)) return false;
        consume(end + 4);
        state_ = State::body;
        handler.part_begin(head);
        break;
      }
      case State::body: {
        auto at = in.find(delimiter_);
        if (at == std::string_view::npos) {
          // Everything but a tail that could begin the delimiter is data.
          std::size_t keep = std::min(in.size(), delimiter_.size() - 1);
          while (keep > 0 && !std::string_view(delimiter_).starts_with(in.substr(in.size() - keep)))
            --keep;
          if (in.size() > keep) handler.part_data(in.substr(0, in.size() - keep));
          consume(in.size() - keep);
          goto need_more;
        }
        if (at > 0) handler.part_data(in.substr(0, at));
        consume(at + delimiter_.size());
        handler.part_end();
        state_ = State::after_delimiter;
        break;
      }
      case State::epilogue:
      case State::failed:
        return state_ != State::failed;
    }
  }
need_more:
  buffer_.erase(0, used);
  return true;
}

bool MultipartParser::finish() {
  if (state_ == State::epilogue) return true;
  if (state_ != State::failed) fail("the body ended before the closing boundary");
  return false;
}

}  // namespace tern::http
