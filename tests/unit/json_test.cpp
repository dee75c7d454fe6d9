#include <doctest/doctest.h>

#include "core/json_reader.hpp"
#include "core/json_writer.hpp"
#include "http/url.hpp"

using namespace tern;
using tern::http::find_param;

TEST_CASE("writer places commas and escapes strings") {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("a", 1)
      .field("s", "q\"\\\n\x01")
      .key("arr")
      .begin_array()
      .value(true)
      .null()
      .value(1.5)
      .begin_object()
      .end_object()
      .end_array()
      .field("neg", std::int64_t{-7})
      .end_object();
  CHECK(out == R"({"a":1,"s":"q\"\\\n\u0001","arr":[true,null,1.5,{}],"neg":-7})");
}

TEST_CASE("writer passes UTF-8 through and replaces invalid bytes") {
  std::string out;
  JsonWriter(out).value("h\xC3\xA9llo \xF0\x9F\x90\xA6");
  CHECK(out == "\"h\xC3\xA9llo \xF0\x9F\x90\xA6\"");
  out.clear();
  JsonWriter(out).value(
      std::string_view("a\xFF"
                       "b\xC3",
                       4));
  CHECK(out == "\"a\\ufffdb\\ufffd\"");
  out.clear();
  JsonWriter(out).value("\xED\xA0\x80");  // a UTF-16 surrogate, invalid in UTF-8
  CHECK(out == "\"\\ufffd\\ufffd\\ufffd\"");
}

TEST_CASE("non-finite doubles become null") {
  std::string out;
  JsonWriter(out).begin_array().value(1.0 / 0.0).end_array();
  CHECK(out == "[null]");
}

TEST_CASE("reader turns a flat object into fields") {
  std::string body = R"({"email":"a@b.c","n":12.5,"ok":true,"none":null,"esc":"x\u00e9\n"})";
  auto r = read_json_object(body);
  REQUIRE(r.fields);
  auto& f = *r.fields;
  CHECK(find_param(f, "email") == "a@b.c");
  CHECK(find_param(f, "n") == "12.5");
  CHECK(find_param(f, "ok") == "true");
  CHECK_FALSE(find_param(f, "none").has_value());
  CHECK(find_param(f, "esc") == "x\xC3\xA9\n");
}

TEST_CASE("reader rejects what is not a flat object") {
  for (std::string body :
       {"", "[]", "{", "{\"a\":1,}", "{\"a\":{}}", "{\"a\":[1]}", "{\"a\":1} x", "{\"a\":1}{}",
        "{\"a\":1,\"a\":2}", "\"s\"", "{\"a\":tru}", "{\"a\":01}"}) {
    CAPTURE(body);
    auto r = read_json_object(body);
    CHECK_FALSE(r.fields.has_value());
    CHECK_FALSE(r.error.empty());
  }
}

TEST_CASE("reader bounds the number of fields") {
  std::string body = "{";
  for (int i = 0; i < 70; ++i)
    body += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":1";
  body += "}";
  CHECK_FALSE(read_json_object(body).fields.has_value());
}

TEST_CASE("read_json_integers: the named integers of a flat object, strictly") {
  std::int64_t v[2] = {0, 0};
  CHECK(read_json_integers(R"({"uid":42,"created":1700000000})", {"uid", "created"}, v));
  CHECK(v[0] == 42);
  CHECK(v[1] == 1700000000);
  CHECK(read_json_integers(R"( {"created":-5, "other":"x", "uid":7} )", {"uid", "created"}, v));
  CHECK(v[0] == 7);
  CHECK(v[1] == -5);
  for (const char* bad :
       {"", "{", "[]", R"({"uid":1})", R"({"uid":"1","created":2})", R"({"uid":1.5,"created":2})",
        R"({"uid":1,"created":2}x)", R"({"uid":1,"uid":2,"created":3})",
        R"({"uid":1,"created":2})"
        R"({"uid":1,"created":2})",
        R"({"uid":99999999999999999999,"created":2})"}) {
    CAPTURE(bad);
    CHECK_FALSE(read_json_integers(bad, {"uid", "created"}, v));
  }
  std::string big = R"({"uid":3,"created":4,"pad":")" + std::string(2000, 'p') + "\"}";
  CHECK(read_json_integers(big, {"uid", "created"}, v));
  CHECK(v[0] == 3);
}
