// Uuid::parse (vector code where the CPU has it) against the scalar parser,
// for every byte value in every digit position.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "core/uuid.h"

using namespace orderly;

namespace {

void check_like_portable(const std::string& text) {
  Uuid expected;
  const bool valid = parse_uuid_portable_for_testing(text, expected);
  const auto parsed = Uuid::parse(text);
  REQUIRE(parsed.has_value() == valid);
  if (valid) {
    CHECK(parsed->hi == expected.hi);
    CHECK(parsed->lo == expected.lo);
  }
}

}  // namespace

TEST_CASE("uuid parse: every byte in every digit position, as the scalar parser") {
  const std::string base = "0123abcd-4567-89ef-ABCD-0f1e2d3c4b5a";
  const auto parsed = Uuid::parse(base);
  REQUIRE(parsed.has_value());
  CHECK(parsed->hi == 0x0123abcd456789efull);
  CHECK(parsed->lo == 0xabcd0f1e2d3c4b5aull);
  CHECK(parsed->to_string() == "0123abcd-4567-89ef-abcd-0f1e2d3c4b5a");
  for (size_t at = 0; at < base.size(); ++at) {
    if (at == 8 || at == 13 || at == 18 || at == 23)
      continue;
    for (int byte = 0; byte < 256; ++byte) {
      std::string text = base;
      text[at] = static_cast<char>(byte);
      CAPTURE(at);
      CAPTURE(byte);
      check_like_portable(text);
    }
  }
}

TEST_CASE("uuid parse: random ids and near-ids, as the scalar parser") {
  std::mt19937_64 rng(5);
  static constexpr char kChars[] = "0123456789abcdefABCDEFgG/:@`-";
  for (int i = 0; i < 20000; ++i) {
    std::string text(36, '0');
    for (size_t j = 0; j < text.size(); ++j)
      text[j] = kChars[rng() % (i % 2 ? 22 : sizeof kChars - 1)];
    for (size_t dash : {8, 13, 18, 23})
      text[dash] = '-';
    check_like_portable(text);
  }
  CHECK_FALSE(Uuid::parse("0123abcd-4567-89ef-abcd-0f1e2d3c4b5").has_value());
  CHECK_FALSE(Uuid::parse("0123abcd-4567-89ef-abcd-0f1e2d3c4b5aa").has_value());
  CHECK_FALSE(Uuid::parse("0123abcd+4567-89ef-abcd-0f1e2d3c4b5a").has_value());
}
