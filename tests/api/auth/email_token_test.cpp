// Email tokens (api/auth/email_token.h): derived again from their id, bound
// to their purpose, user and server secret, and parsed strictly.
#include <doctest/doctest.h>

#include "api/auth/email_token.h"
#include "tests/support/ids.h"

using namespace orderly;
using namespace orderly::api::auth;
using orderly::testing::new_id;

TEST_CASE(
    "email token: the link's text parses back to its user, id and hash, and nothing else "
    "does") {
  const Uuid ada = new_id();
  const EmailToken t = new_email_token("server-secret", EmailTokenPurpose::kPasswordReset, ada);
  const auto back = parse_email_token(t.text);
  REQUIRE(back.has_value());
  CHECK(back->user_id == ada);
  CHECK(back->token_id == t.token_id);
  CHECK(back->hash == t.hash);
  CHECK(t.text.find(t.hash) == std::string::npos);  // the hash is not in the link
  // The same id gives the same token; any other input another one.
  CHECK(email_token("server-secret", EmailTokenPurpose::kPasswordReset, ada, t.token_id).text ==
        t.text);
  CHECK(email_token("server-secret", EmailTokenPurpose::kVerifyEmail, ada, t.token_id).hash !=
        t.hash);
  CHECK(email_token("other-secret", EmailTokenPurpose::kPasswordReset, ada, t.token_id).hash !=
        t.hash);
  CHECK(
      email_token("server-secret", EmailTokenPurpose::kPasswordReset, new_id(), t.token_id).hash !=
      t.hash);
  // An altered secret parses but hashes differently.
  std::string altered = t.text;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  CHECK(parse_email_token(altered)->hash != t.hash);
  const std::string short_secret = t.text.substr(0, t.text.size() - 1);
  for (std::string_view bad : {std::string_view(""), std::string_view("a.b.c"),
                               std::string_view("x"), std::string_view(short_secret)})
    CHECK_FALSE(parse_email_token(bad).has_value());
}
