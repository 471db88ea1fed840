// Email tokens (verification, password reset) against a real `orderly
// serve` and SMTP server: a reset link expires (--password-reset-ttl 2s);
// the links' secrets are in the emails only, never in a file of the data
// directory, `orderly replay` or the server's log; a reset request answers
// the same for known and unknown emails, is limited per client address
// (429) and, silently, per email.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <thread>

#include "tests/security/checks.h"
#include "tests/support/account_mail.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/process.h"
#include "tests/support/services.h"
#include "tests/support/session.h"

using namespace orderly::testing;

namespace {

std::vector<std::string> wait_for_mail(const SmtpSink& smtp, const std::string& to,
                                       const std::string& needle, size_t n = 1) {
  auto list = [&] { return messages_to(smtp.messages(), to, needle); };
  return wait_for_messages(list, n, std::chrono::seconds(60));
}

std::string reset_body(const std::string& email) {
  return boost::json::serialize(boost::json::object{{"email", email}});
}

std::string confirm_body(const std::string& token, const std::string& password) {
  return boost::json::serialize(boost::json::object{{"token", token}, {"new_password", password}});
}

// The secret part of "<user>.<token id>.<secret>".
std::string secret_of(const std::string& token) {
  return token.substr(token.rfind('.') + 1);
}

}  // namespace

TEST_CASE("account tokens: a reset link expires") {
  TempDir mail;
  SmtpSink smtp(mail.path() + "/maildir");
  smtp.start();
  OrderlyServer server({"--smtp-url", smtp.url(), "--password-reset-ttl", "2s"});
  HttpClient c = server.client();
  server.register_user("dee");
  REQUIRE(c.send("POST", "/api/auth/password-reset", "", reset_body("dee@example.com")).status ==
          202);
  const auto asked_at = std::chrono::steady_clock::now();
  const auto mails = wait_for_mail(smtp, "dee@example.com", "#/reset-password?token=");
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].find("2 seconds") != std::string::npos);
  const std::string token = link_token(mails[0], "reset-password");
  REQUIRE_FALSE(token.empty());
  // The link's time is up once 2 s (and a margin for the clocks) have passed
  // since it was asked for.
  while (std::chrono::steady_clock::now() < asked_at + std::chrono::milliseconds(2500))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto late = c.send("POST", "/api/auth/password-reset/confirm", "",
                     confirm_body(token, "a-late-new-password"));
  CHECK(late.status == 400);
  CHECK(str(late.json(), "code") == "invalid_token");
  // The password did not change.
  CHECK(c.send("POST", "/api/auth/login", "",
               R"({"email":"dee@example.com","password":"password-of-dee"})")
            .status == 200);
}

TEST_CASE("account tokens: the links' secrets are in the emails only") {
  TempDir mail;
  SmtpSink smtp(mail.path() + "/maildir");
  smtp.start();
  OrderlyServer server({"--smtp-url", smtp.url()}, {.log_file = "serve.log"});
  HttpClient c = server.client();
  server.register_user("eve");
  REQUIRE(c.send("POST", "/api/auth/password-reset", "", reset_body("eve@example.com")).status ==
          202);
  const auto verify = wait_for_mail(smtp, "eve@example.com", "#/verify-email?token=");
  const auto reset = wait_for_mail(smtp, "eve@example.com", "#/reset-password?token=");
  REQUIRE(verify.size() == 1);
  REQUIRE(reset.size() == 1);
  const std::string verify_token = link_token(verify[0], "verify-email");
  const std::string reset_token = link_token(reset[0], "reset-password");
  REQUIRE(verify_token.size() > 43);
  REQUIRE(reset_token.size() > 43);
  // Both used, through the routes (whose request log lines name the path only).
  CHECK(c.send("POST", "/api/auth/verify-email", "",
               boost::json::serialize(boost::json::object{{"token", verify_token}}))
            .status == 204);
  CHECK(c.send("POST", "/api/auth/password-reset/confirm", "",
               confirm_body(reset_token, "eve-chose-another-one"))
            .status == 204);
  const std::vector<std::string> secrets{secret_of(verify_token), secret_of(reset_token)};
  REQUIRE(server.stop() == 0);

  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(server.data_dir())) {
    if (!entry.is_regular_file())
      continue;
    const std::string text = read_text_file(entry.path().string());
    for (const auto& s : secrets) {
      if (text.find(s) != std::string::npos)
        found.push_back(entry.path().string());
    }
  }
  const std::string log = read_text_file(server.log_file());
  CHECK(log.find("/api/auth/verify-email") != std::string::npos);  // the log has the requests
  for (const auto& s : secrets) {
    if (log.find(s) != std::string::npos)
      found.push_back("the server's log");
  }
  auto replay = run_command(with_stderr_to(
      server.dir().sub("tools.log"), {ORDERLY_BINARY, "replay", "--data-dir", server.data_dir()}));
  CHECK(replay.exit_code == 0);
  CHECK(replay.output.find("password_reset_issued") != std::string::npos);
  for (const auto& s : secrets) {
    if (replay.output.find(s) != std::string::npos)
      found.push_back("orderly replay");
  }
  CHECK(found.empty());
  for (const auto& f : found)
    MESSAGE("a token's secret is in " << f);
}

TEST_CASE("account tokens: a reset request says nothing of the account and is rate-limited") {
  TempDir mail;
  SmtpSink smtp(mail.path() + "/maildir");
  smtp.start();
  OrderlyServer server({"--smtp-url", smtp.url()});
  const Session fay = server.register_user("fay");
  server.register_user("gus");

  // Known and unknown emails: the same status and bytes, no log position.
  HttpClient one(server.port(), "127.0.0.2");
  auto known = one.send("POST", "/api/auth/password-reset", "", reset_body("fay@example.com"));
  auto unknown = one.send("POST", "/api/auth/password-reset", "", reset_body("nobody@example.com"));
  CHECK(known.status == 202);
  CHECK(unknown.status == 202);
  CHECK(known.body == unknown.body);
  CHECK(known.header("x-log-position").empty());
  CHECK(unknown.header("x-log-position").empty());
  CHECK(known.header("content-type") == unknown.header("content-type"));

  // Per address: five in 15 minutes, then 429 with Retry-After (whatever
  // the email); another address is not affected.
  for (int i = 0; i < 3; ++i)
    CHECK(one.send("POST", "/api/auth/password-reset", "", reset_body("x@example.com")).status ==
          202);
  auto over = one.send("POST", "/api/auth/password-reset", "", reset_body("fay@example.com"));
  CHECK(over.status == 429);
  CHECK(str(over.json(), "code") == "rate_limited");
  CHECK_FALSE(over.header("retry-after").empty());

  // Per email: three an hour, then the same 202 and nothing done. Fay had
  // one above; three more from fresh addresses make one too many.
  for (int i = 0; i < 3; ++i) {
    HttpClient other(server.port(), "127.0.0." + std::to_string(3 + i));
    auto r = other.send("POST", "/api/auth/password-reset", "", reset_body("fay@example.com"));
    CHECK(r.status == 202);
    CHECK(r.body == known.body);
  }
  // A later request for gus marks where the log is: once its link is
  // mailed, fay's requests before it are all decided.
  HttpClient marker(server.port(), "127.0.0.9");
  REQUIRE(
      marker.send("POST", "/api/auth/password-reset", "", reset_body("gus@example.com")).status ==
      202);
  REQUIRE(wait_for_mail(smtp, "gus@example.com", "#/reset-password?token=").size() == 1);
  HttpClient c = server.client();
  const Session admin = server.admin();
  auto stream = c.send("GET", "/api/admin/streams/user-" + fay.id, admin.access_token);
  REQUIRE(stream.status == 200);
  size_t issued = 0;
  for (size_t at = stream.body.find("password_reset_issued"); at != std::string::npos;
       at = stream.body.find("password_reset_issued", at + 1))
    ++issued;
  CHECK(issued == 3);
}
