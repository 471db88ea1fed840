// api/payments/secret_file.h: the secrets of the payment flags, one a line.
#include "api/payments/secret_file.h"

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::api::payments;

namespace {

std::string write(const testing::TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.sub(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

TEST_CASE("payments secret files: one secret a line, blanks and line ends ignored") {
  testing::TempDir dir;
  auto one = read_secrets("--f", write(dir, "one", "whsec_0123456789abcdef\n"), 16);
  REQUIRE(one.is_ok());
  CHECK(*one == std::vector<std::string>{"whsec_0123456789abcdef"});
  auto two = read_secrets(
      "--f", write(dir, "two", "\r\n  new_secret_0123456789 \r\n\nold_secret_0123456789"), 16);
  REQUIRE(two.is_ok());
  CHECK(*two == std::vector<std::string>{"new_secret_0123456789", "old_secret_0123456789"});
  auto key = read_secret("--key-file", write(dir, "key", "sk_test_abc\n"));
  REQUIRE(key.is_ok());
  CHECK(*key == "sk_test_abc");
}

TEST_CASE("payments secret files: unreadable, empty, short or several are refused by name") {
  testing::TempDir dir;
  auto missing = read_secrets("--payment-webhook-secret-file", dir.sub("nope"));
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.status().code() == ErrorCode::kInvalidArgument);
  CHECK(missing.status().message().starts_with("--payment-webhook-secret-file: cannot read"));
  auto empty = read_secrets("--f", write(dir, "empty", "\n \n"));
  REQUIRE_FALSE(empty.is_ok());
  CHECK(empty.status().message().find("holds no secret") != std::string::npos);
  auto short_one = read_secrets("--f", write(dir, "short", "long_enough_secret_1\n\nshort\n"), 16);
  REQUIRE_FALSE(short_one.is_ok());
  CHECK(short_one.status().message().find("line 3") != std::string::npos);
  // The message never holds the secret itself.
  CHECK(short_one.status().message().find("short\n") == std::string::npos);
  CHECK(short_one.status().message().find("long_enough_secret_1") == std::string::npos);
  auto several = read_secret("--key-file", write(dir, "several", "a\nb\n"));
  REQUIRE_FALSE(several.is_ok());
  CHECK(several.status().message().find("one secret expected") != std::string::npos);
}
