// Passwords (issue 19): length was the only rule, so "password1" and
// "12345678" made accounts. Registration and `orderly admin create-user`
// now refuse the most common passwords (a list compiled in, checked
// ignoring case) and passwords that are the account's own name, as NIST
// SP 800-63B advises: 422 validation_failed naming the field `password`,
// with a detail saying why.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/security/checks.h"
#include "tests/support/orderly_binary.h"

using namespace orderly::testing;

namespace {

HttpResult register_with(HttpClient& c, const std::string& username, const std::string& email,
                         const std::string& password) {
  return c.send("POST", "/api/auth/register", "",
                json::serialize(json::object{
                    {"username", username}, {"email", email}, {"password", password}}));
}

// The 422's error for field `password`, or "" when there is none.
std::string password_error(const HttpResult& r) {
  const json::value v = r.json();
  const auto* o = v.if_object();
  if (!o || !o->contains("errors"))
    return "";
  for (const auto& e : o->at("errors").as_array()) {
    if (e.as_object().at("field") == "password")
      return json::value_to<std::string>(e.as_object().at("message"));
  }
  return "";
}

}  // namespace

TEST_CASE("passwords: registration refuses common passwords and the account's own name") {
  OrderlyServer server;
  HttpClient c = server.client();
  struct Case {
    const char* password;
    const char* why;  // a word the detail must hold
  };
  for (const Case& k :
       {Case{"password", "common"}, Case{"12345678", "common"}, Case{"PassWord1", "common"},
        Case{"qwertyuiop", "common"}, Case{"iloveyou", "common"}, Case{"ada-lovelace", "username"},
        Case{"Ada-Lovelace2024", "username"}, Case{"countess@example.com", "email"},
        Case{"countess1815", "email"}}) {
    CAPTURE(k.password);
    const HttpResult r = register_with(c, "ada-lovelace", "countess@example.com", k.password);
    CHECK(is_problem(r, 422, "validation_failed"));
    CHECK(password_error(r).find(k.why) != std::string::npos);
  }
  // A password that holds the name but much more besides is the user's choice.
  CHECK(register_with(c, "ada-lovelace", "countess@example.com", "ada-lovelace-computes-bernoulli")
            .status == 201);
  CHECK(register_with(c, "bea", "bea@example.com", "correct horse battery staple").status == 201);
}

TEST_CASE("passwords: orderly admin create-user refuses them too") {
  TempDir dir;
  const std::string data = dir.sub("data");
  std::ofstream(dir.sub("common.pw")) << "Football\n";
  std::ofstream(dir.sub("own.pw")) << "root-root\n";
  std::ofstream(dir.sub("good.pw")) << "a long and unusual passphrase\n";
  auto create = [&](const std::string& file) {
    // stderr too: the refusal is written there.
    return run_command({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", orderly_binary(), "admin",
                        "create-user", "--data-dir", data, "--username", "root-root", "--email",
                        "ops@example.com", "--password-file", dir.sub(file)});
  };
  const RunResult common = create("common.pw");
  CHECK(common.exit_code == 2);
  CHECK(common.output.find("common") != std::string::npos);
  const RunResult own = create("own.pw");
  CHECK(own.exit_code == 2);
  CHECK(own.output.find("username") != std::string::npos);
  CHECK(create("good.pw").exit_code == 0);
}
