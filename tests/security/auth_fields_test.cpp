// Unknown fields on the auth routes (issue 19): SECURITY.md says every
// route refuses them, and the auth routes did not. A typo or a smuggled
// field ("role": "admin" at registration) is 422 validation_failed naming
// the field, before any password is hashed or token used.
#include <doctest/doctest.h>

#include "tests/security/checks.h"

using namespace orderly::testing;

namespace {

// True when the answer is the refusal the other routes give for `field`.
bool refuses_field(const HttpResult& r, const std::string& field) {
  if (!is_problem(r, 422, "validation_failed"))
    return false;
  const json::value body = r.json();  // kept: the loop reads into it
  for (const auto& e : body.as_object().at("errors").as_array()) {
    if (e.as_object().at("field") == field.c_str())
      return true;
  }
  return false;
}

}  // namespace

TEST_CASE("auth fields: register, login, refresh and logout refuse unknown fields") {
  OrderlyServer server;
  HttpClient c = server.client();
  const HttpResult admin_claim = c.send(
      "POST", "/api/auth/register", "",
      R"({"username":"ada","email":"ada@example.com","password":"password-of-ada","role":"admin"})");
  CHECK(refuses_field(admin_claim, "role"));
  const Session ada = server.register_user("ada");
  CHECK(refuses_field(
      c.send("POST", "/api/auth/login", "",
             R"({"email":"ada@example.com","password":"password-of-ada","remember_me":true})"),
      "remember_me"));
  CHECK(refuses_field(c.send("POST", "/api/auth/refresh", "",
                             json::serialize(json::object{{"refresh_token", ada.refresh_token},
                                                          {"scope", "admin"}})),
                      "scope"));
  CHECK(refuses_field(c.send("POST", "/api/auth/logout", ada.access_token,
                             json::serialize(json::object{{"refresh_token", ada.refresh_token},
                                                          {"everywhere", true}})),
                      "everywhere"));
  // Refused, not acted on: the session still refreshes (the refusals above
  // neither rotated nor revoked it), and the known fields still work.
  CHECK(c.send("POST", "/api/auth/refresh", "",
               json::serialize(json::object{{"refresh_token", ada.refresh_token}}))
            .status == 200);
  CHECK(c.send("POST", "/api/auth/login", "",
               R"({"email":"ada@example.com","password":"password-of-ada"})")
            .status == 200);
}
