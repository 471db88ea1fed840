#include <doctest/doctest.h>

#include "commands/password.h"
#include "tests/commands/harness.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

namespace {
const std::string kHash = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA";

RegisterUser reg(const std::string& username, const std::string& email) {
  return RegisterUser{new_id(), username, email, kHash, "customer"};
}
}  // namespace

TEST_CASE("user: registration validates, normalises and keeps names and emails unique") {
  Harness h;
  CHECK(normalize_email("  Ada@Example.COM ") == "ada@example.com");
  REQUIRE(h.run(reg("ada", "ada@example.com"), h.as(Uuid{})).is_ok());
  const Status taken = h.run(reg("ADA", "other@example.com"), h.as(Uuid{}));
  CHECK(taken.code() == ErrorCode::kAlreadyExists);
  CHECK(taken.fields().at(0).field == "username");
  CHECK(h.run(reg("bob", "ada@example.com"), h.as(Uuid{})).fields().at(0).field == "email");
  for (const char* bad :
       {"ab", "has space", "semi;colon", "waytoolongusername_waytoolongusername"}) {
    CAPTURE(bad);
    CHECK(h.run(reg(bad, "x@example.com"), h.as(Uuid{})).fields().at(0).field == "username");
  }
  for (const char* bad :
       {"plain", "@example.com", "a@b", "a@@b.com", "Upper@example.com", "a b@c.com", "a@.com"}) {
    CAPTURE(bad);
    CHECK(h.run(reg("carol", bad), h.as(Uuid{})).fields().at(0).field == "email");
  }
  RegisterUser plain = reg("dave", "dave@example.com");
  plain.password_hash = "hunter22";
  CHECK(h.run(plain, h.as(Uuid{})).fields().at(0).field == "password");
  RegisterUser admin = reg("eve", "eve@example.com");
  admin.role = "admin";
  CHECK(h.run(admin, h.as(Uuid{})).code() == ErrorCode::kForbidden);
  CHECK(h.run(admin, h.as_engine()).is_ok());  // the bootstrap path
}

TEST_CASE("user: admins change roles") {
  Harness h;
  const RegisterUser r = reg("ada", "ada@example.com");
  REQUIRE(h.run(r, h.as(Uuid{})).is_ok());
  CHECK(h.run(ChangeRole{r.user_id, "admin"}, h.as(r.user_id)).code() == ErrorCode::kForbidden);
  REQUIRE(h.run(ChangeRole{r.user_id, "admin"}, h.as_admin()).is_ok());
  CHECK(h.state.users.at(r.user_id).role == "admin");
  CHECK(h.run(ChangeRole{r.user_id, "root"}, h.as_admin()).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("user: refresh tokens rotate, reusing a rotated one revokes the whole family") {
  Harness h;
  const RegisterUser r = reg("ada", "ada@example.com");
  REQUIRE(h.run(r, h.as(Uuid{})).is_ok());
  const Uuid family = new_id(), t1 = new_id(), t2 = new_id(), t3 = new_id();
  const TimestampUs week = h.now + 7 * 86400 * 1000000LL;
  REQUIRE(h.run(IssueRefreshToken{r.user_id, t1, family, "h1", week}, h.as(r.user_id)).is_ok());
  REQUIRE(h.run(RotateRefreshToken{r.user_id, t1, t2, "h2", week, "h1"}, h.as(r.user_id)).is_ok());
  CHECK(h.state.users.at(r.user_id).tokens.at(t1).status == TokenStatus::kRotated);
  // A forged token (right id, wrong secret) is refused and sets off nothing.
  CHECK(
      h.run(RotateRefreshToken{r.user_id, t1, t3, "h3", week, "forged"}, h.as(r.user_id)).code() ==
      ErrorCode::kUnauthorized);
  CHECK(h.emitted() == 0);
  // t1 again: stolen. The call is refused AND the family revocation is recorded.
  const Status reuse =
      h.run(RotateRefreshToken{r.user_id, t1, t3, "h3", week, "h1"}, h.as(r.user_id));
  CHECK(reuse.code() == ErrorCode::kUnauthorized);
  CHECK(h.emitted() == 1);
  CHECK(h.type(0) == EventType::kRefreshTokenFamilyRevoked);
  CHECK(h.state.users.at(r.user_id).tokens.at(t2).status == TokenStatus::kRevoked);
  CHECK(h.run(RotateRefreshToken{r.user_id, t2, t3, "h3", week, "h2"}, h.as(r.user_id)).code() ==
        ErrorCode::kUnauthorized);
}

TEST_CASE("user: expired and revoked refresh tokens are refused, logout twice is fine") {
  Harness h;
  const RegisterUser r = reg("ada", "ada@example.com");
  REQUIRE(h.run(r, h.as(Uuid{})).is_ok());
  const Uuid t1 = new_id(), t2 = new_id();
  REQUIRE(h.run(IssueRefreshToken{r.user_id, t1, new_id(), "h1", h.now + 1000}, h.as(r.user_id))
              .is_ok());
  h.now += 2000;
  CHECK(h.run(RotateRefreshToken{r.user_id, t1, t2, "h2", h.now + 1000000, "h1"}, h.as(r.user_id))
            .message() == "refresh token expired");
  REQUIRE(h.run(RevokeRefreshToken{r.user_id, t1, ""}, h.as(r.user_id)).is_ok());
  REQUIRE(h.run(RevokeRefreshToken{r.user_id, t1, ""}, h.as(r.user_id)).is_ok());
  CHECK(h.emitted() == 0);
  CHECK(h.run(RevokeRefreshToken{r.user_id, t1, ""}, h.as(new_id())).code() ==
        ErrorCode::kNotFound);
}

TEST_CASE("notification: requested, failed with a reason, retried, sent, history counts attempts") {
  Harness h;
  const Uuid n = new_id(), user = new_id();
  RequestNotification req{n, user, "email", "order_placed", "ada@example.com", 42};
  CHECK(h.run(req, h.as(user)).code() == ErrorCode::kForbidden);
  REQUIRE(h.run(req, h.as_engine()).is_ok());
  REQUIRE(h.run(RecordNotificationFailed{n, "connection refused", true}, h.as_engine()).is_ok());
  CHECK(h.state.notifications.at(n).attempts == 1);
  CHECK(h.state.notifications.at(n).status == NotificationStatus::kFailed);
  CHECK(h.run(RetryNotification{n}, h.as(user)).code() == ErrorCode::kForbidden);
  REQUIRE(h.run(RetryNotification{n}, h.as_admin()).is_ok());
  CHECK(h.run(RetryNotification{n}, h.as_admin()).code() == ErrorCode::kInvalidTransition);
  REQUIRE(h.run(RecordNotificationSent{n}, h.as_engine()).is_ok());
  CHECK(h.state.notifications.at(n).attempts == 2);
  REQUIRE(
      h.run(RecordNotificationSent{n}, h.as_engine()).is_ok());  // redelivered: no second record
  CHECK(h.emitted() == 0);
  CHECK(h.run(RecordNotificationFailed{n, "late", false}, h.as_engine()).code() ==
        ErrorCode::kInvalidTransition);
  RequestNotification bad = req;
  bad.notification_id = new_id();
  bad.channel = "pigeon";
  CHECK(h.run(bad, h.as_engine()).fields().at(0).field == "channel");
}

TEST_CASE("password: at least 8 characters, argon2id hashes that verify only the right password") {
  CHECK(validate_password("short7!").fields().at(0).field == "password");
  CHECK(validate_password("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9")
            .is_ok());  // 8 letters, 16 bytes
  CHECK_FALSE(validate_password(std::string(1025, 'a')).is_ok());
  CHECK_FALSE(validate_password("bad\x01password").is_ok());
  auto hash = hash_password("correct horse battery");
  REQUIRE(hash.is_ok());
  CHECK(hash->rfind("$argon2id$", 0) == 0);
  CHECK(verify_password(*hash, "correct horse battery"));
  CHECK_FALSE(verify_password(*hash, "correct horse battery!"));
  CHECK_FALSE(verify_password("$argon2i$nope", "correct horse battery"));
  CHECK_FALSE(verify_password("", ""));
  auto again = hash_password("correct horse battery");
  REQUIRE(again.is_ok());
  CHECK(*again != *hash);  // salted
  // A real hash is accepted by registration.
  Harness h;
  RegisterUser r{new_id(), "ada", "ada@example.com", *hash, "customer"};
  CHECK(h.run(r, h.as(Uuid{})).is_ok());
}
