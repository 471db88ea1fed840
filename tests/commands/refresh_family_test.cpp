// The user aggregate's refresh-token families (issue 19): memory bounded by
// sessions, not by refreshes; reuse detection within the remembered
// window; families forgotten once expired; the snapshot and a fold of the
// log agree. And the password rules a new password must meet.
#include <doctest/doctest.h>

#include "commands/password_policy.h"
#include "commands/shop_state_snapshot.h"
#include "tests/commands/harness.h"
#include "tests/commands/state_diff.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

namespace {

const std::string kHash = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA";
constexpr TimestampUs kDay = 86400LL * 1000000;

struct Chain {
  Uuid family;
  std::vector<Uuid> tokens;  // oldest first; hash of token i is "h<i>"
};

// Ada registered, one session issued and rotated `rotations` times.
Chain rotate_many(Harness& h, const Uuid& user, int rotations) {
  Chain c{new_id(), {new_id()}};
  REQUIRE(h.run(IssueRefreshToken{user, c.tokens[0], c.family, "h0", h.now + 7 * kDay}, h.as(user))
              .is_ok());
  for (int i = 1; i <= rotations; ++i) {
    c.tokens.push_back(new_id());
    REQUIRE(h.run(RotateRefreshToken{user, c.tokens[i - 1], c.tokens[i], "h" + std::to_string(i),
                                     h.now + 7 * kDay, "h" + std::to_string(i - 1)},
                  h.as(user))
                .is_ok());
  }
  return c;
}

Uuid register_ada(Harness& h) {
  const RegisterUser r{new_id(), "ada", "ada@example.com", kHash, "customer"};
  REQUIRE(h.run(r, h.as(Uuid{})).is_ok());
  return r.user_id;
}

}  // namespace

TEST_CASE("refresh family: many rotations keep the newest token and a bounded few retired ones") {
  Harness h;
  const Uuid ada = register_ada(h);
  const Chain c = rotate_many(h, ada, 200);
  const UserState& u = h.state.users.at(ada);
  CHECK(u.tokens.size() == 1 + kRememberedRotations);
  CHECK(u.families.at(c.family).rotated.size() == kRememberedRotations);
  CHECK(u.families.at(c.family).current == c.tokens.back());
  CHECK(h.state.refresh_tokens == u.tokens.size());
  // A token retired long ago is unknown: refused, and the session lives on.
  CHECK(h.run(RotateRefreshToken{ada, c.tokens[5], new_id(), "x", h.now + kDay, "h5"}, h.as(ada))
            .code() == ErrorCode::kUnauthorized);
  CHECK(h.emitted() == 0);
  // A recently retired one, with its real secret, is reuse: the family goes.
  const size_t recent = c.tokens.size() - 3;
  CHECK(h.run(RotateRefreshToken{ada, c.tokens[recent], new_id(), "x", h.now + kDay,
                                 "h" + std::to_string(recent)},
              h.as(ada))
            .code() == ErrorCode::kUnauthorized);
  CHECK(h.emitted() == 1);
  CHECK(h.type(0) == EventType::kRefreshTokenFamilyRevoked);
  const UserState& after = h.state.users.at(ada);
  CHECK(after.families.at(c.family).revoked);
  CHECK(after.tokens.size() == 1 + kRememberedRotations);  // still bounded, all revoked
  for (const auto& [id, t] : after.tokens)
    CHECK(t.status == TokenStatus::kRevoked);
  // Logging out again with any of them is fine, and none of them works.
  CHECK(h.run(RevokeRefreshToken{ada, c.tokens.back(), "h200"}, h.as(ada)).is_ok());
  CHECK(h.run(RevokeRefreshToken{ada, c.tokens[recent], "h" + std::to_string(recent)}, h.as(ada))
            .is_ok());
}

TEST_CASE("refresh family: logout ends the family, expired families are forgotten") {
  Harness h;
  const Uuid ada = register_ada(h);
  const Chain a = rotate_many(h, ada, 3);
  REQUIRE(h.run(RevokeRefreshToken{ada, a.tokens.back(), "h3"}, h.as(ada)).is_ok());
  CHECK(h.state.users.at(ada).families.at(a.family).revoked);
  CHECK(h.state.users.at(ada).tokens.size() == 4);
  CHECK(h.run(RotateRefreshToken{ada, a.tokens[2], new_id(), "x", h.now + kDay, "h2"}, h.as(ada))
            .code() == ErrorCode::kUnauthorized);
  const Chain b = rotate_many(h, ada, 2);
  CHECK(h.state.users.at(ada).families.size() == 2);
  // Eight days on, a new login: both families have expired and go.
  h.now += 8 * kDay;
  const Chain fresh = rotate_many(h, ada, 0);
  const UserState& u = h.state.users.at(ada);
  CHECK(u.families.size() == 1);
  CHECK(u.families.count(fresh.family) == 1);
  CHECK(u.tokens.size() == 1);
  CHECK(h.state.refresh_tokens == 1);
  (void)b;
}

TEST_CASE("refresh family: a user keeps at most kMaxFamiliesPerUser sessions") {
  Harness h;
  const Uuid ada = register_ada(h);
  Chain first;
  for (size_t i = 0; i < kMaxFamiliesPerUser + 5; ++i) {
    const Chain c = rotate_many(h, ada, 0);
    if (i == 0)
      first = c;
    h.now += 1000;  // each later login expires later
  }
  const UserState& u = h.state.users.at(ada);
  CHECK(u.families.size() == kMaxFamiliesPerUser);
  CHECK(u.families.count(first.family) == 0);  // the one that would end first
  CHECK(
      h.run(RotateRefreshToken{ada, first.tokens[0], new_id(), "x", h.now + kDay, "h0"}, h.as(ada))
          .code() == ErrorCode::kUnauthorized);
}

TEST_CASE("refresh family: the snapshot and a fold of the events give the same state") {
  Harness h;
  const Uuid ada = register_ada(h);
  rotate_many(h, ada, 30);
  const Chain other = rotate_many(h, ada, 4);
  REQUIRE(h.run(RevokeRefreshToken{ada, other.tokens.back(), "h4"}, h.as(ada)).is_ok());
  ShopState replayed;
  for (size_t k = 0; k < h.sink.size(); ++k) {
    const auto& e = h.sink.event(k);
    apply(replayed, e.aggregate, e.id, e.type, h.sink.payload(k).data());
  }
  CHECK(diff_states(h.state, replayed) == "");
  CHECK(replayed.refresh_tokens == h.state.refresh_tokens);
  auto reloaded = snapshot_round_trip(h.state);
  REQUIRE(reloaded.is_ok());
  const ShopState& loaded = *reloaded;
  CHECK(diff_states(h.state, loaded) == "");
  CHECK(loaded.refresh_tokens == h.state.refresh_tokens);
}

TEST_CASE("password policy: common passwords and the account's own name are refused") {
  CHECK(common_password_count() >= 10000);
  CHECK(is_common_password("qwerty123"));  // from the frequency list, not John's
  CHECK(is_common_password("password"));
  CHECK(is_common_password("PassWord1"));
  CHECK_FALSE(is_common_password("correct horse battery staple"));
  CHECK(validate_new_password("12345678", "ada", "ada@example.com").fields().at(0).field ==
        "password");
  CHECK_FALSE(validate_new_password("ada-lovelace", "ada-lovelace", "x@example.com").is_ok());
  CHECK_FALSE(validate_new_password("ADA-LOVELACE99", "ada-lovelace", "x@example.com").is_ok());
  CHECK_FALSE(validate_new_password("countess@example.com", "ada", "countess@example.com").is_ok());
  CHECK_FALSE(validate_new_password("countess1815", "ada", "countess@example.com").is_ok());
  CHECK(validate_new_password("password-of-ada", "ada", "ada@example.com").is_ok());
  CHECK(validate_new_password("admin-password-1", "admin", "admin@example.com").is_ok());
  CHECK_FALSE(validate_new_password("short", "ada", "ada@example.com").is_ok());
}
