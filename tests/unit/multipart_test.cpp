// The streaming multipart parser: whole bodies, the same bodies split at
// every byte position (and fed one byte at a time), and every malformation
// it must refuse.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "http/multipart.hpp"

using tern::http::multipart_boundary;
using tern::http::MultipartParser;
using tern::http::PartHead;

namespace {

struct Collect : MultipartParser::Handler {
  struct Part {
    PartHead head;
    std::string data;
    bool ended = false;
  };
  std::vector<Part> parts;
  void part_begin(const PartHead& head) override { parts.push_back({head, {}, false}); }
  void part_data(std::string_view bytes) override {
    REQUIRE(!parts.empty());
    parts.back().data += bytes;
  }
  void part_end() override { parts.back().ended = true; }
};

const std::string kBody =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"caption\"\r\n"
    "\r\n"
    "hello\r\n--not-it\r\n"
    "--XyZ  \r\n"
    "Content-Disposition: form-data; name=\"img\"; filename=\"a \\\"b\\\".png\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "\x89PNG\r\n\x1a\n\r\n--Xy-not\r\n-XyZ\r\r\n--"
    "\r\n--XyZ--\r\n"
    "epilogue ignored";

void check_parts(const Collect& c) {
  REQUIRE(c.parts.size() == 2);
  CHECK(c.parts[0].head.name == "caption");
  CHECK_FALSE(c.parts[0].head.filename);
  CHECK(c.parts[0].data == "hello\r\n--not-it");
  CHECK(c.parts[1].head.name == "img");
  CHECK(c.parts[1].head.filename == "a \"b\".png");
  CHECK(c.parts[1].head.content_type == "image/png");
  CHECK(c.parts[1].data == "\x89PNG\r\n\x1a\n\r\n--Xy-not\r\n-XyZ\r\r\n--");
  CHECK(c.parts[1].ended);
}

}  // namespace

TEST_CASE("multipart: boundary from the Content-Type") {
  CHECK(multipart_boundary("multipart/form-data; boundary=XyZ") == "XyZ");
  CHECK(multipart_boundary("Multipart/Form-Data;boundary=\"a b:c\"") == "a b:c");
  CHECK(multipart_boundary("multipart/form-data; charset=utf-8; boundary=----WebKit12") ==
        "----WebKit12");
  CHECK_FALSE(multipart_boundary("multipart/form-data"));
  CHECK_FALSE(multipart_boundary("multipart/mixed; boundary=x"));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary="));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
  CHECK(multipart_boundary("multipart/form-data; boundary=" + std::string(70, 'a')));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=\"ends in space \""));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=a{b"));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=\"unclosed"));
}

TEST_CASE("multipart: a whole body, and the same body split at every position") {
  {
    Collect c;
    MultipartParser p("XyZ");
    REQUIRE(p.feed(kBody, c));
    CHECK(p.finish());
    check_parts(c);
  }
  for (std::size_t cut = 0; cut <= kBody.size(); ++cut) {
    CAPTURE(cut);
    Collect c;
    MultipartParser p("XyZ");
    REQUIRE(p.feed(std::string_view(kBody).substr(0, cut), c));
    REQUIRE(p.feed(std::string_view(kBody).substr(cut), c));
    CHECK(p.finish());
    check_parts(c);
  }
  Collect c;
  MultipartParser p("XyZ");
  for (char ch : kBody)
    REQUIRE(p.feed(std::string_view(&ch, 1), c));
  CHECK(p.finish());
  check_parts(c);
}

TEST_CASE("multipart: what is refused") {
  auto fails = [](const std::string& body) {
    Collect c;
    MultipartParser p("XyZ");
    return !p.feed(body, c) || !p.finish();
  };
  const std::string part = "Content-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n";
  CHECK_FALSE(fails("--XyZ\r\n" + part + "--XyZ--"));
  CHECK(fails("preamble\r\n--XyZ\r\n" + part + "--XyZ--"));                      // a preamble
  CHECK(fails("--XyZ\r\n" + part));                                              // truncated
  CHECK(fails("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx"));  // mid-part
  CHECK(fails("--XyZ\r\n\r\nx\r\n--XyZ--"));                                     // no headers
  CHECK(fails("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--"));         // no disposition
  CHECK(fails("--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--"));
  CHECK(fails("--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--"));  // no name
  CHECK(
      fails("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"
            "Content-Disposition: form-data; name=\"b\"\r\n\r\nx\r\n--XyZ--"));
  CHECK(fails("--XyZ\r\nBad Header: x\r\n" + part + "--XyZ--"));
  CHECK(
      fails("--XyZ\r\nX: a\x01"
            "b\r\n" +
            part + "--XyZ--"));
  CHECK(fails("--XyZ\r\nX: " + std::string(5000, 'a') + "\r\n" + part + "--XyZ--"));
  CHECK(fails("--XyZjunk\r\n" + part + "--XyZ--"));
  CHECK(fails("--Other\r\n" + part + "--Other--"));
  std::string many = "--XyZ\r\n";
  for (std::size_t i = 0; i < MultipartParser::kMaxParts + 1; ++i)
    many += part + "--XyZ\r\n";
  CHECK(fails(many + part + "--XyZ--"));
}

TEST_CASE("multipart: a large part streams out; only a delimiter's length is held back") {
  Collect c;
  MultipartParser p("b");
  REQUIRE(p.feed("--b\r\nContent-Disposition: form-data; name=\"img\"; filename=\"x\"\r\n\r\n", c));
  std::string chunk(65536, 'q');
  for (int i = 0; i < 16; ++i) {
    REQUIRE(p.feed(chunk, c));
    CHECK(c.parts.back().data.size() + 4 >= chunk.size() * static_cast<std::size_t>(i + 1));
  }
  REQUIRE(p.feed("\r\n--b--\r\n", c));
  CHECK(p.finish());
  CHECK(c.parts.back().data.size() == 16u * 65536u);
}
