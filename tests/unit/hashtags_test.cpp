// Hashtag extraction (NodeBird's /#[^\s#]+/g, Unicode lower-casing) and the
// strict UTF-8 it stands on.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/hashtags.hpp"
#include "core/utf8.hpp"

using namespace tern;
using Tags = std::vector<std::string>;

TEST_CASE("hashtags: NodeBird's rule — '#' then neither whitespace nor '#'") {
  CHECK(extract_hashtags("hi #node and #express!").tags == Tags{"node", "express!"});
  CHECK(extract_hashtags("#a#b##c #").tags == Tags{"a", "b", "c"});
  CHECK(extract_hashtags("no tags here").tags.empty());
  CHECK(extract_hashtags("tab\t#x\n#y\r#z").tags == Tags{"x", "y", "z"});
  // JavaScript's \s includes the Unicode spaces: NBSP, ideographic space, BOM.
  CHECK(extract_hashtags("#one\u00a0#two\u3000#three\ufeff").tags == Tags{"one", "two", "three"});
  CHECK(extract_hashtags("#a\u2009b").tags == Tags{"a"});  // thin space
}

TEST_CASE("hashtags: Unicode lower-casing and de-duplication, first appearance first") {
  CHECK(extract_hashtags("#Ünï #ünï #ÜNÏ").tags == Tags{"ünï"});
  CHECK(extract_hashtags("#노드 #Node #NODE #ΑΒΓ").tags == Tags{"노드", "node", "αβγ"});
  CHECK(extract_hashtags("#Ｆｕｌｌ").tags == Tags{"ｆｕｌｌ"});
  CHECK(lower_case("ÀÉÎ-Straße") == "àéî-straße");
}

TEST_CASE("hashtags: limits of 20 distinct tags of at most 50 characters") {
  std::string twenty, twenty_one;
  for (int i = 0; i < 20; ++i)
    twenty += "#t" + std::to_string(i) + " ";
  auto ok = extract_hashtags(twenty + "#T0 #t1");
  CHECK(ok.tags.size() == 20);
  CHECK_FALSE(ok.too_many);
  auto over = extract_hashtags(twenty + "#t20");
  CHECK(over.too_many);
  CHECK(over.tags.size() == 20);

  std::string fifty(50, 'e');
  CHECK_FALSE(extract_hashtags("#" + fifty).too_long);
  CHECK(extract_hashtags("#" + fifty + "e").too_long);
  std::string fifty_wide;
  for (int i = 0; i < 50; ++i)
    fifty_wide += "é";
  CHECK_FALSE(extract_hashtags("#" + fifty_wide).too_long);  // characters, not bytes
}

TEST_CASE("utf8: strict decoding") {
  CHECK(utf8::valid("plain ascii"));
  CHECK(utf8::valid("é 가 😀"));
  CHECK_FALSE(utf8::valid("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(utf8::valid("\xE0\x80\xAF"));      // overlong, three bytes
  CHECK_FALSE(utf8::valid("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(utf8::valid("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(utf8::valid("\xE2\x82"));          // truncated
  CHECK_FALSE(utf8::valid("\x80"));              // a lone continuation byte
  CHECK(utf8::length("é가😀") == 3);
  std::string round;
  for (char32_t cp : {U'a', U'é', U'가', U'😀'})
    utf8::append(round, cp);
  CHECK(round == "aé가😀");
}
