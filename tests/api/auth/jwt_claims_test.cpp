// verify_jwt and read_verified_jwt_claims (api/auth/jwt.h): the second reads
// what the first would accept, but for the signature (for a process that
// asks the engine about the token instead of holding its secret).
#include <doctest/doctest.h>

#include "api/auth/jwt.h"

using namespace orderly;
using namespace orderly::api::auth;

namespace {

const std::string kSecret(32, 's');

AccessClaims ada(int64_t exp) {
  AccessClaims c;
  c.sub = "0191d9a0-0000-7000-8000-000000000001";
  c.role = "customer";
  c.iat = 1000;
  c.exp = exp;
  c.sid = "0191d9a0-0000-7000-8000-0000000000f1";
  c.email = "ada@example.com";
  return c;
}

}  // namespace

TEST_CASE("jwt claims: read_verified_jwt_claims reads exp and the session, not the signature") {
  const std::string token = sign_jwt(ada(2000), kSecret);
  auto read = read_verified_jwt_claims(token, 1500);
  REQUIRE(read.is_ok());
  CHECK(read->exp == 2000);
  CHECK(read->sid == "0191d9a0-0000-7000-8000-0000000000f1");
  // Signed with another key: verify_jwt refuses it, the reader does not look.
  const std::string other = sign_jwt(ada(2000), std::string(32, 'o'));
  CHECK_FALSE(verify_jwt(other, kSecret, 1500).is_ok());
  CHECK(read_verified_jwt_claims(other, 1500).is_ok());
  // Everything else still holds: expiry, the algorithm, the shape.
  CHECK_FALSE(read_verified_jwt_claims(token, 2000).is_ok());
  const std::string none = base64url(R"({"alg":"none"})") + "." +
                           token.substr(token.find('.') + 1, token.rfind('.') - token.find('.'));
  CHECK_FALSE(read_verified_jwt_claims(none, 1500).is_ok());
  CHECK_FALSE(read_verified_jwt_claims("not-a-jwt", 1500).is_ok());
}

TEST_CASE("jwt claims: the email is signed beside sub and role, and read back by both readers") {
  const std::string token = sign_jwt(ada(2000), kSecret);
  auto verified = verify_jwt(token, kSecret, 1500);
  REQUIRE(verified.is_ok());
  CHECK(verified->sub == "0191d9a0-0000-7000-8000-000000000001");
  CHECK(verified->role == "customer");
  CHECK(verified->email == "ada@example.com");
  auto read = read_verified_jwt_claims(token, 1500);
  REQUIRE(read.is_ok());
  CHECK(read->email == "ada@example.com");
  // The email is inside the signed part: changing it breaks the signature.
  const size_t a = token.find('.'), b = token.rfind('.');
  auto payload = from_base64url(token.substr(a + 1, b - a - 1));
  REQUIRE(payload.has_value());
  CHECK(payload->find(R"("email":"ada@example.com")") != std::string::npos);
  std::string changed = *payload;
  changed.replace(changed.find("ada@"), 4, "eve@");
  const std::string tampered = token.substr(0, a) + "." + base64url(changed) + token.substr(b);
  CHECK_FALSE(verify_jwt(tampered, kSecret, 1500).is_ok());
  // A token without one (issued before issue 21) still verifies, email "".
  AccessClaims old = ada(2000);
  old.email.clear();
  auto older = verify_jwt(sign_jwt(old, kSecret), kSecret, 1500);
  REQUIRE(older.is_ok());
  CHECK(older->email.empty());
}
