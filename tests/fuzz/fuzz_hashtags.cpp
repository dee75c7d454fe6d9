// Fuzzes hashtag extraction and the UTF-8 it reads. Invariants: on
// well-formed text every tag is non-empty, well-formed, lower-case (a fixed
// point of lower_case), free of '#' and whitespace, distinct, at most
// kMaxHashtags of them; on any bytes nothing crashes or reads out of bounds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/hashtags.hpp"
#include "core/utf8.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace tern;
  if (!utf8::valid(input)) {
    (void)lower_case(input);
    return 0;
  }
  auto found = extract_hashtags(input);
  check(found.tags.size() <= kMaxHashtags);
  for (std::size_t i = 0; i < found.tags.size(); ++i) {
    const auto& tag = found.tags[i];
    check(!tag.empty() && utf8::valid(tag));
    check(lower_case(tag) == tag);
    check(tag.find('#') == std::string_view::npos);
    for (std::size_t k = 0; k < tag.size();)
      check(!is_js_space(utf8::decode(tag, k)));
    check(std::count(found.tags.begin(), found.tags.end(), tag) == 1);
  }
  return 0;
}
