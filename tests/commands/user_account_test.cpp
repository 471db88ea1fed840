// The account rules of the user aggregate (issue 21, commands/user.h):
// profile, email verification, password change and reset, status,
// identities and addresses; and that the snapshot and a fold of the events
// give the same state.
#include <doctest/doctest.h>

#include "commands/shop_state_snapshot.h"
#include "tests/commands/harness.h"
#include "tests/commands/state_diff.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

namespace {

const std::string kHash = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA";
const std::string kHash2 = "$argon2id$v=19$m=65536,t=2,p=1$b3RoZXJzYWx0$b3RoZXI";
constexpr TimestampUs kMinute = 60LL * 1000000;
constexpr TimestampUs kDay = 86400LL * 1000000;

Uuid register_user(Harness& h, const std::string& name, const std::string& role = "customer") {
  RegisterUser r{new_id(), name, name + "@example.com", kHash, role};
  REQUIRE(h.run(r, role == "admin" ? h.as_engine() : h.as(Uuid{})).is_ok());
  return r.user_id;
}

EmailToken token(Harness& h, const std::string& hash, TimestampUs ttl = 30 * kMinute) {
  return EmailToken{new_id(), hash, h.now + ttl};
}

// A session for `user` (its family id).
Uuid login(Harness& h, const Uuid& user) {
  const Uuid family = new_id();
  REQUIRE(
      h.run(IssueRefreshToken{user, new_id(), family, "rt", h.now + 7 * kDay}, h.as(user)).is_ok());
  return family;
}

Address address(const std::string& name, bool is_default = false) {
  Address a;
  a.address_id = new_id();
  a.name = name;
  a.line1 = "1 Rue de la Paix";
  a.city = "Paris";
  a.postal_code = "75002";
  a.country = "FR";
  a.phone = "+33 1 23 45 67 89";
  a.is_default = is_default;
  return a;
}

}  // namespace

TEST_CASE(
    "account: the profile changes by the user, names stay unique, and nothing is recorded "
    "without a change") {
  Harness h;
  const Uuid ada = register_user(h, "ada");
  register_user(h, "bob");
  UpdateProfile p{ada, "ada.l", std::nullopt, "Ada Lovelace", {}};
  REQUIRE(h.run(p, h.as(ada)).is_ok());
  CHECK(h.emitted() == 1);
  CHECK(h.state.users.at(ada).username == "ada.l");
  CHECK(h.state.users.at(ada).display_name == "Ada Lovelace");
  CHECK(h.state.usernames.count("ada") == 0);  // the old name is free
  CHECK(h.state.usernames.at("ada.l") == ada);
  CHECK(h.run(p, h.as(ada)).is_ok());
  CHECK(h.emitted() == 0);
  const Status taken = h.run(UpdateProfile{ada, "BOB", std::nullopt, std::nullopt, {}}, h.as(ada));
  CHECK(taken.code() == ErrorCode::kAlreadyExists);
  CHECK(taken.fields().at(0).field == "username");
  const Status bad =
      h.run(UpdateProfile{ada, "a", std::nullopt, std::string("x\x01y"), {}}, h.as(ada));
  CHECK(bad.code() == ErrorCode::kInvalidArgument);
  CHECK(bad.fields().size() == 2);
  // Someone else's profile is not there for a customer.
  CHECK(h.run(UpdateProfile{ada, std::nullopt, std::nullopt, "X", {}}, h.as(new_id())).code() ==
        ErrorCode::kNotFound);
}

TEST_CASE(
    "account: an email change needs a fresh verification, and the token is single use, "
    "expires, and only the newest works") {
  Harness h;
  const Uuid ada = register_user(h, "ada");
  const EmailToken first = token(h, "h1");
  REQUIRE(
      h.run(UpdateProfile{ada, std::nullopt, std::string("ada@new.example"), std::nullopt, first},
            h.as(ada))
          .is_ok());
  CHECK(h.emitted() == 2);
  CHECK(h.type(0) == EventType::kUserEmailChanged);
  CHECK(h.type(1) == EventType::kEmailVerificationIssued);
  CHECK(h.state.emails.count("ada@example.com") == 0);
  CHECK(h.state.emails.at("ada@new.example") == ada);
  CHECK_FALSE(h.state.users.at(ada).email_verified);
  // Without a token, an email change is refused.
  CHECK(h.run(UpdateProfile{ada, std::nullopt, std::string("x@y.example"), std::nullopt, {}},
              h.as(ada))
            .code() == ErrorCode::kInvalidArgument);

  const EmailToken second = token(h, "h2");
  REQUIRE(h.run(RequestEmailVerification{ada, second}, h.as(ada)).is_ok());
  // The first link is no longer the pending one; a wrong secret fails alike.
  CHECK(h.run(VerifyEmail{ada, first.token_id, "h1"}, h.as(Uuid{})).code() ==
        ErrorCode::kInvalidToken);
  CHECK(h.run(VerifyEmail{ada, second.token_id, "h1"}, h.as(Uuid{})).code() ==
        ErrorCode::kInvalidToken);
  REQUIRE(h.run(VerifyEmail{ada, second.token_id, "h2"}, h.as(Uuid{})).is_ok());
  CHECK(h.state.users.at(ada).email_verified);
  CHECK(h.run(VerifyEmail{ada, second.token_id, "h2"}, h.as(Uuid{})).code() ==
        ErrorCode::kInvalidToken);  // used
  CHECK(h.run(RequestEmailVerification{ada, token(h, "h3")}, h.as(ada)).code() ==
        ErrorCode::kInvalidTransition);  // verified already

  // Expired: by the command's clock.
  const Uuid bob = register_user(h, "bob");
  const EmailToken t = token(h, "hb", 10 * kMinute);
  REQUIRE(h.run(RequestEmailVerification{bob, t}, h.as(bob)).is_ok());
  h.now += 10 * kMinute;
  CHECK(h.run(VerifyEmail{bob, t.token_id, "hb"}, h.as(Uuid{})).code() == ErrorCode::kInvalidToken);
}

TEST_CASE(
    "account: a password change needs the current one checked, and ends every other "
    "session") {
  Harness h;
  const Uuid ada = register_user(h, "ada");
  const Uuid mine = login(h, ada);
  const Uuid other = login(h, ada);
  const std::string digest = h.state.users.at(ada).password_digest;
  CHECK(h.run(ChangePassword{ada, kHash2, "stale", mine}, h.as(ada)).code() ==
        ErrorCode::kVersionConflict);
  CHECK(h.run(ChangePassword{ada, "plain", digest, mine}, h.as(ada)).code() ==
        ErrorCode::kInvalidArgument);
  CHECK(h.run(ChangePassword{ada, kHash2, digest, mine}, h.as(new_id())).code() ==
        ErrorCode::kNotFound);
  REQUIRE(h.run(ChangePassword{ada, kHash2, digest, mine}, h.as(ada)).is_ok());
  CHECK(h.emitted() == 2);  // the change, and the other session's end
  CHECK(h.type(1) == EventType::kRefreshTokenFamilyRevoked);
  const UserState& u = h.state.users.at(ada);
  CHECK_FALSE(u.families.at(mine).revoked);
  CHECK(u.families.at(other).revoked);
  CHECK(u.password_digest != digest);
  // The old check is stale now.
  CHECK(h.run(ChangePassword{ada, kHash, digest, mine}, h.as(ada)).code() ==
        ErrorCode::kVersionConflict);
}

TEST_CASE(
    "account: a password reset is single use, expires, ends every session and proves the "
    "mailbox") {
  Harness h;
  const Uuid ada = register_user(h, "ada");
  const Uuid family = login(h, ada);
  // Only the engine (the API, for whoever knows the email) asks for one.
  CHECK(h.run(RequestPasswordReset{ada, token(h, "r0")}, h.as(ada)).code() == ErrorCode::kNotFound);
  const EmailToken old = token(h, "r1");
  REQUIRE(h.run(RequestPasswordReset{ada, old}, h.as_engine()).is_ok());
  const EmailToken t = token(h, "r2");
  REQUIRE(h.run(RequestPasswordReset{ada, t}, h.as_engine()).is_ok());
  CHECK(h.run(ResetPassword{ada, old.token_id, "r1", kHash2}, h.as(Uuid{})).code() ==
        ErrorCode::kInvalidToken);
  CHECK(h.run(ResetPassword{ada, t.token_id, "r1", kHash2}, h.as(Uuid{})).code() ==
        ErrorCode::kInvalidToken);
  REQUIRE(h.run(ResetPassword{ada, t.token_id, "r2", kHash2}, h.as(Uuid{})).is_ok());
  CHECK(h.type(0) == EventType::kUserPasswordChanged);
  CHECK(h.type(1) == EventType::kUserEmailVerified);
  CHECK(h.type(2) == EventType::kRefreshTokenFamilyRevoked);
  CHECK(h.state.users.at(ada).families.at(family).revoked);
  CHECK(h.state.users.at(ada).email_verified);
  CHECK(h.run(ResetPassword{ada, t.token_id, "r2", kHash}, h.as(Uuid{})).code() ==
        ErrorCode::kInvalidToken);  // used

  const EmailToken late = token(h, "r3", 30 * kMinute);
  REQUIRE(h.run(RequestPasswordReset{ada, late}, h.as_engine()).is_ok());
  h.now += 30 * kMinute + 1;
  CHECK(h.run(ResetPassword{ada, late.token_id, "r3", kHash}, h.as(Uuid{})).code() ==
        ErrorCode::kInvalidToken);
  // A pending reset dies when the password changes another way.
  h.now += kMinute;
  const EmailToken pending = token(h, "r4");
  REQUIRE(h.run(RequestPasswordReset{ada, pending}, h.as_engine()).is_ok());
  REQUIRE(
      h.run(ChangePassword{ada, kHash, h.state.users.at(ada).password_digest, Uuid{}}, h.as(ada))
          .is_ok());
  CHECK(h.run(ResetPassword{ada, pending.token_id, "r4", kHash2}, h.as(Uuid{})).code() ==
        ErrorCode::kInvalidToken);
}

TEST_CASE("account: deactivation ends sessions and refuses logins until reactivated") {
  Harness h;
  const Uuid admin = register_user(h, "root", "admin");
  const Uuid ada = register_user(h, "ada");
  const Uuid family = login(h, ada);
  CHECK(h.run(SetUserStatus{ada, "deactivated", ""}, h.as(ada)).code() == ErrorCode::kForbidden);
  REQUIRE(h.run(SetUserStatus{ada, "deactivated", "fraud"}, h.as(admin, Role::kAdmin)).is_ok());
  CHECK(h.type(1) == EventType::kRefreshTokenFamilyRevoked);
  CHECK(h.state.users.at(ada).families.at(family).revoked);
  CHECK(h.run(IssueRefreshToken{ada, new_id(), new_id(), "x", h.now + kDay}, h.as(ada)).code() ==
        ErrorCode::kForbidden);
  CHECK(h.run(AddAddress{ada, address("Ada")}, h.as(ada)).code() == ErrorCode::kForbidden);
  CHECK(h.run(SetUserStatus{ada, "deactivated", ""}, h.as(admin, Role::kAdmin)).is_ok());
  CHECK(h.emitted() == 0);  // already so
  REQUIRE(h.run(SetUserStatus{ada, "active", ""}, h.as(admin, Role::kAdmin)).is_ok());
  CHECK(h.run(IssueRefreshToken{ada, new_id(), new_id(), "x", h.now + kDay}, h.as(ada)).is_ok());
  CHECK(h.run(SetUserStatus{ada, "asleep", ""}, h.as(admin, Role::kAdmin)).code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("account: the shop keeps an active admin, and the engine is exempt") {
  Harness h;
  const Uuid root = register_user(h, "root", "admin");
  CHECK(h.state.active_admins == 1);
  const auto as_root = h.as(root, Role::kAdmin);
  CHECK(h.run(SetUserStatus{root, "deactivated", ""}, as_root).code() ==
        ErrorCode::kInvalidTransition);
  CHECK(h.run(ChangeRole{root, "customer"}, as_root).code() == ErrorCode::kInvalidTransition);
  const Uuid eve = register_user(h, "eve", "admin");
  CHECK(h.state.active_admins == 2);
  // Not themselves, even with another admin left.
  CHECK(h.run(SetUserStatus{root, "deactivated", ""}, as_root).code() ==
        ErrorCode::kInvalidTransition);
  CHECK(h.run(ChangeRole{root, "customer"}, as_root).code() == ErrorCode::kInvalidTransition);
  REQUIRE(h.run(SetUserStatus{eve, "deactivated", ""}, as_root).is_ok());
  CHECK(h.state.active_admins == 1);
  CHECK(h.run(ChangeRole{root, "customer"}, h.as(eve, Role::kAdmin)).code() ==
        ErrorCode::kInvalidTransition);  // the last active one
  REQUIRE(h.run(ChangeRole{root, "customer"}, h.as_engine()).is_ok());
  CHECK(h.state.active_admins == 0);
}

TEST_CASE("account: closing is final and frees the username, the email and the identities") {
  Harness h;
  RegisterUser r{new_id(), "ada", "ada@example.com", "", "customer"};
  r.identity_issuer = "https://accounts.google.com";
  r.identity_subject = "1234";
  r.email_verified = true;
  REQUIRE(h.run(r, h.as(Uuid{})).is_ok());
  CHECK(h.emitted() == 3);  // registered, identity linked, email verified
  const Uuid ada = r.user_id;
  CHECK(h.state.users.at(ada).email_verified);
  CHECK(h.state.users.at(ada).password_digest.empty());
  const Uuid family = login(h, ada);
  // Someone else closing it: not there for them.
  CHECK(h.run(SetUserStatus{ada, "closed", ""}, h.as(new_id())).code() == ErrorCode::kNotFound);
  REQUIRE(h.run(SetUserStatus{ada, "closed", ""}, h.as(ada)).is_ok());
  CHECK(h.state.users.at(ada).families.at(family).revoked);
  CHECK(h.state.usernames.count("ada") == 0);
  CHECK(h.state.emails.count("ada@example.com") == 0);
  CHECK(h.state.identities.empty());
  CHECK(h.run(SetUserStatus{ada, "active", ""}, h.as_engine()).code() == ErrorCode::kNotFound);
  CHECK(h.run(IssueRefreshToken{ada, new_id(), new_id(), "x", h.now + kDay}, h.as(ada)).code() ==
        ErrorCode::kNotFound);
  // The same person may register again, even with the same identity.
  RegisterUser again = r;
  again.user_id = new_id();
  CHECK(h.run(again, h.as(Uuid{})).is_ok());
}

TEST_CASE("account: an identity names one account, and a password is needed without one") {
  Harness h;
  RegisterUser r{new_id(), "ada", "ada@example.com", "", "customer"};
  CHECK(h.run(r, h.as(Uuid{})).code() == ErrorCode::kInvalidArgument);  // no password, no identity
  r.identity_issuer = "https://op.example";
  r.identity_subject = "s1";
  REQUIRE(h.run(r, h.as(Uuid{})).is_ok());
  CHECK_FALSE(h.state.users.at(r.user_id).email_verified);
  const Uuid bob = register_user(h, "bob");
  CHECK(h.run(LinkIdentity{bob, "https://op.example", "s1", "bob@example.com"}, h.as(bob)).code() ==
        ErrorCode::kAlreadyExists);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(h.run(LinkIdentity{bob, "https://op.example", "b" + std::to_string(i), ""}, h.as(bob))
                .is_ok());
  }
  CHECK(h.run(LinkIdentity{bob, "https://op.example", "b0", ""}, h.as(bob)).is_ok());  // linked
  CHECK(h.emitted() == 0);
  CHECK(h.run(LinkIdentity{bob, "https://op.example", "b9", ""}, h.as(bob)).code() ==
        ErrorCode::kInvalidTransition);
  CHECK(h.state.identities.at(identity_key("https://op.example", "b2")) == bob);
}

TEST_CASE("account: addresses keep exactly one default and at most twenty") {
  Harness h;
  const Uuid ada = register_user(h, "ada");
  const Address home = address("Home");
  REQUIRE(h.run(AddAddress{ada, home}, h.as(ada)).is_ok());
  CHECK(h.state.users.at(ada).addresses.at(0).is_default);  // the first is the default
  const Address work = address("Work", true);
  REQUIRE(h.run(AddAddress{ada, work}, h.as(ada)).is_ok());
  const auto& list = h.state.users.at(ada).addresses;
  CHECK_FALSE(list.at(0).is_default);
  CHECK(list.at(1).is_default);
  AddressPatch back;
  back.is_default = true;
  back.city = "Lyon";
  REQUIRE(h.run(ChangeAddress{ada, home.address_id, back}, h.as(ada)).is_ok());
  CHECK(list.at(0).is_default);
  CHECK(list.at(0).city == "Lyon");
  CHECK_FALSE(list.at(1).is_default);
  REQUIRE(h.run(RemoveAddress{ada, home.address_id}, h.as(ada)).is_ok());
  CHECK(list.size() == 1);
  CHECK(list.at(0).is_default);  // the default passed on
  CHECK(h.run(RemoveAddress{ada, home.address_id}, h.as(ada)).code() == ErrorCode::kNotFound);
  AddressPatch bad;
  bad.country = "fr";
  bad.phone = "call me";
  const Status refused = h.run(ChangeAddress{ada, work.address_id, bad}, h.as(ada));
  CHECK(refused.code() == ErrorCode::kInvalidArgument);
  CHECK(refused.fields().size() == 2);
  Address empty = address("");
  empty.line1 = "";
  CHECK(h.run(AddAddress{ada, empty}, h.as(ada)).fields().size() == 2);
  for (size_t i = 1; i < kMaxAddresses; ++i)
    REQUIRE(h.run(AddAddress{ada, address("A" + std::to_string(i))}, h.as(ada)).is_ok());
  CHECK(h.run(AddAddress{ada, address("One too many")}, h.as(ada)).code() ==
        ErrorCode::kInvalidTransition);
  CHECK(h.run(AddAddress{ada, address("Not mine")}, h.as(new_id())).code() == ErrorCode::kNotFound);
}

TEST_CASE("account: the snapshot and a fold of the events give the same state") {
  Harness h;
  const Uuid root = register_user(h, "root", "admin");
  const Uuid ada = register_user(h, "ada");
  login(h, ada);
  REQUIRE(
      h.run(UpdateProfile{ada, std::nullopt, std::string("ada@new.example"), "Ada", token(h, "v")},
            h.as(ada))
          .is_ok());
  REQUIRE(h.run(RequestPasswordReset{ada, token(h, "r")}, h.as_engine()).is_ok());
  REQUIRE(h.run(AddAddress{ada, address("Home")}, h.as(ada)).is_ok());
  REQUIRE(h.run(LinkIdentity{ada, "https://op.example", "s", ""}, h.as(ada)).is_ok());
  const Uuid bob = register_user(h, "bob");
  REQUIRE(h.run(SetUserStatus{bob, "closed", ""}, h.as(bob)).is_ok());
  const Uuid cy = register_user(h, "cyd");
  REQUIRE(h.run(SetUserStatus{cy, "deactivated", ""}, h.as(root, Role::kAdmin)).is_ok());

  CHECK(diff_states(h.state, fold_events(h.sink)) == "");
  auto loaded = snapshot_round_trip(h.state);
  REQUIRE(loaded.is_ok());
  CHECK(diff_states(h.state, *loaded) == "");
}
