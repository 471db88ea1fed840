// VerifiedTokens (api/auth/verified_tokens.h): a remembered token is the
// same bytes as one that verified, and still expires; nothing that failed
// is remembered; memory stays bounded.
#include <doctest/doctest.h>

#include "api/auth/verified_tokens.h"

using namespace orderly;
using namespace orderly::api::auth;

namespace {

const std::string kSecret(32, 's');

AccessClaims claims_of_user(int n, int64_t exp) {
  AccessClaims c;
  c.sub = "0191d9a0-0000-7000-8000-" + std::string(12 - std::to_string(n).size(), '0') +
          std::to_string(n);
  c.role = "customer";
  c.iat = 1000;
  c.exp = exp;
  return c;
}

}  // namespace

TEST_CASE("verified tokens: a token verifies once and is then known, until it expires") {
  VerifiedTokens tokens(kSecret);
  const std::string token = sign_jwt(claims_of_user(1, 2000), kSecret);
  auto first = tokens.verify(token, 1500);
  REQUIRE(first.is_ok());
  CHECK(tokens.size() == 1);
  auto again = tokens.verify(token, 1999);
  REQUIRE(again.is_ok());
  CHECK(again->sub == first->sub);
  CHECK(again->exp == 2000);
  // Past exp: refused as verify_jwt refuses it, and forgotten.
  auto late = tokens.verify(token, 2000);
  REQUIRE_FALSE(late.is_ok());
  CHECK(late.status().message() == "the access token has expired");
  CHECK(tokens.size() == 0);
}

TEST_CASE("verified tokens: what fails to verify is never remembered") {
  VerifiedTokens tokens(kSecret);
  const std::string forged = sign_jwt(claims_of_user(2, 2000), std::string(32, 'x'));
  CHECK_FALSE(tokens.verify(forged, 1500).is_ok());
  CHECK_FALSE(tokens.verify(forged, 1500).is_ok());
  CHECK(tokens.size() == 0);
  // A known token with one byte of its signature changed is another token.
  const std::string good = sign_jwt(claims_of_user(3, 2000), kSecret);
  REQUIRE(tokens.verify(good, 1500).is_ok());
  std::string altered = good;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  CHECK_FALSE(tokens.verify(altered, 1500).is_ok());
  CHECK(tokens.size() == 1);
}

TEST_CASE("verified tokens: memory is bounded by the capacity") {
  VerifiedTokens tokens(kSecret, 64);  // 4 per shard
  for (int i = 0; i < 1000; ++i)
    REQUIRE(tokens.verify(sign_jwt(claims_of_user(i, 2000), kSecret), 1500).is_ok());
  CHECK(tokens.size() <= 64);
  CHECK(tokens.size() > 0);
}
