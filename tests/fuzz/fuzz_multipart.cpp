// Fuzzes the streaming multipart parser. The first input byte chooses a
// split; the rest is a body with boundary "b". Invariant: the parts, their
// data and the verdict are the same whether the body arrives whole, in two
// pieces split there, or one byte at a time — a read boundary can never
// change what an upload contains.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/multipart.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct Record : tern::http::MultipartParser::Handler {
  std::string log;
  void part_begin(const tern::http::PartHead& h) override {
    log += "B" + h.name + "|" + h.filename.value_or("-") + "|" + h.content_type + "\n";
  }
  void part_data(std::string_view b) override { log.append(b); }
  void part_end() override { log += "\nE\n"; }
};

std::string run(std::string_view body, std::size_t step) {
  Record r;
  tern::http::MultipartParser p("b");
  bool ok = true;
  for (std::size_t i = 0; i < body.size() && ok; i += step)
    ok = p.feed(body.substr(i, step), r);
  ok = ok && p.finish();
  return (ok ? "ok\n" : "error\n") + r.log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)tern::http::multipart_boundary(body.substr(0, 120));
  std::string whole = run(body, body.size() + 1);
  std::size_t cut = data[0] % (body.size() + 1);
  Record r;
  tern::http::MultipartParser p("b");
  bool ok = p.feed(body.substr(0, cut), r) && p.feed(body.substr(cut), r) && p.finish();
  check(((ok ? "ok\n" : "error\n") + r.log) == whole);
  check(run(body, 1) == whole);
  return 0;
}
