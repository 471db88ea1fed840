// The account emails end to end, through a real SMTP server (aiosmtpd,
// writing a Maildir): registering mails a verification link that verifies
// the email; a password reset mails a link that sets a new password once,
// ends every session and is followed by a "password changed" notice;
// `orderly notify email`, without the server secret, mails links that work.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "tests/support/account_mail.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_notifier.h"
#include "tests/support/orderly_server.h"
#include "tests/support/services.h"
#include "tests/support/session.h"

using namespace orderly::testing;

namespace {

// The messages to `to` holding `needle`, once there are `n` (60 s at most).
std::vector<std::string> wait_for_mail(const SmtpSink& smtp, const std::string& to,
                                       const std::string& needle, size_t n = 1) {
  auto list = [&] { return messages_to(smtp.messages(), to, needle); };
  return wait_for_messages(list, n, std::chrono::seconds(60));
}

std::string token_body(const std::string& token) {
  return boost::json::serialize(boost::json::object{{"token", token}});
}

}  // namespace

TEST_CASE("account emails: the registration's link verifies the email, once") {
  TempDir mail;
  SmtpSink smtp(mail.path() + "/maildir");
  smtp.start();
  OrderlyServer server({"--smtp-url", smtp.url(), "--public-url", "http://shop.example"});
  HttpClient c = server.client();
  const Session ada = server.register_user("ada");
  auto me = c.send("GET", "/api/auth/me", ada.access_token).json();
  CHECK_FALSE(me.as_object().at("user").as_object().at("email_verified").as_bool());

  const auto mails = wait_for_mail(smtp, "ada@example.com", "#/verify-email?token=");
  REQUIRE(mails.size() == 1);
  const std::string& body = mails[0];  // 7bit: short lines of ASCII
  CHECK(body.find("Confirm your email address") != std::string::npos);
  CHECK(body.find("http://shop.example/#/verify-email?token=") != std::string::npos);
  CHECK(body.find("48 hours") != std::string::npos);
  CHECK(body.find("If you did not ask for this, ignore") != std::string::npos);
  const std::string token = link_token(mails[0], "verify-email");
  REQUIRE_FALSE(token.empty());

  // An altered token is refused with the one message, which never repeats it.
  std::string altered = token;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  auto wrong = c.send("POST", "/api/auth/verify-email", "", token_body(altered));
  CHECK(wrong.status == 400);
  CHECK(str(wrong.json(), "code") == "invalid_token");
  CHECK(wrong.body.find(altered) == std::string::npos);

  auto ok = c.send("POST", "/api/auth/verify-email", "", token_body(token));
  CHECK(ok.status == 204);
  CHECK_FALSE(ok.header("x-log-position").empty());
  me = c.send("GET", "/api/auth/me", ada.access_token).json();
  CHECK(me.as_object().at("user").as_object().at("email_verified").as_bool());

  // Used: the same link again is the same 400.
  auto again = c.send("POST", "/api/auth/verify-email", "", token_body(token));
  CHECK(again.status == 400);
  CHECK(str(again.json(), "code") == "invalid_token");
  CHECK(again.body == wrong.body);
  // Verified: no new link.
  auto resend = c.send("POST", "/api/auth/verify-email/resend", ada.access_token);
  CHECK(resend.status == 409);
  CHECK(str(resend.json(), "code") == "invalid_transition");
}

TEST_CASE("account emails: a resent verification link replaces the first") {
  TempDir mail;
  SmtpSink smtp(mail.path() + "/maildir");
  smtp.start();
  OrderlyServer server({"--smtp-url", smtp.url()});
  HttpClient c = server.client();
  const Session boris = server.register_user("boris");
  REQUIRE(wait_for_mail(smtp, "boris@example.com", "#/verify-email?token=").size() == 1);
  auto resend = c.send("POST", "/api/auth/verify-email/resend", boris.access_token);
  CHECK(resend.status == 202);
  const auto mails = wait_for_mail(smtp, "boris@example.com", "#/verify-email?token=", 2);
  REQUIRE(mails.size() == 2);
  std::vector<std::string> tokens{link_token(mails[0], "verify-email"),
                                  link_token(mails[1], "verify-email")};
  REQUIRE(tokens[0] != tokens[1]);
  // Only the newest link works; which file is newer is not known, so try both.
  const int first = c.send("POST", "/api/auth/verify-email", "", token_body(tokens[0])).status;
  const int second = c.send("POST", "/api/auth/verify-email", "", token_body(tokens[1])).status;
  CHECK(((first == 204 && second == 400) || (first == 400 && second == 204)));
}

TEST_CASE("account emails: a password reset link sets a new password and ends every session") {
  TempDir mail;
  SmtpSink smtp(mail.path() + "/maildir");
  smtp.start();
  OrderlyServer server({"--smtp-url", smtp.url(), "--public-url", "http://shop.example"});
  HttpClient c = server.client();
  const Session cyril = server.register_user("cyril");
  const Session cyril_elsewhere = server.login("cyril@example.com", "password-of-cyril");

  auto asked = c.send("POST", "/api/auth/password-reset", "", R"({"email":"CYRIL@example.com"})");
  CHECK(asked.status == 202);
  CHECK(asked.header("x-log-position").empty());
  const auto mails = wait_for_mail(smtp, "cyril@example.com", "#/reset-password?token=");
  REQUIRE(mails.size() == 1);
  const std::string& body = mails[0];
  CHECK(body.find("http://shop.example/#/reset-password?token=") != std::string::npos);
  CHECK(body.find("30 minutes") != std::string::npos);
  CHECK(body.find("If you did not ask for this, ignore") != std::string::npos);
  const std::string token = link_token(mails[0], "reset-password");
  REQUIRE_FALSE(token.empty());

  // The password policy first (nothing consumed), then the reset.
  auto weak = c.send(
      "POST", "/api/auth/password-reset/confirm", "",
      boost::json::serialize(boost::json::object{{"token", token}, {"new_password", "password"}}));
  CHECK(weak.status == 422);
  auto done = c.send("POST", "/api/auth/password-reset/confirm", "",
                     boost::json::serialize(boost::json::object{
                         {"token", token}, {"new_password", "a-new-secret-for-cyril"}}));
  CHECK(done.status == 204);

  // Every session ended: neither refresh token works.
  for (const Session* s : {&cyril, &cyril_elsewhere}) {
    auto r =
        c.send("POST", "/api/auth/refresh", "",
               boost::json::serialize(boost::json::object{{"refresh_token", s->refresh_token}}));
    CHECK(r.status == 401);
  }
  // The old password is refused, the new one logs in.
  CHECK(c.send("POST", "/api/auth/login", "",
               R"({"email":"cyril@example.com","password":"password-of-cyril"})")
            .status == 401);
  CHECK(c.send("POST", "/api/auth/login", "",
               R"({"email":"cyril@example.com","password":"a-new-secret-for-cyril"})")
            .status == 200);
  // Single use.
  auto again = c.send("POST", "/api/auth/password-reset/confirm", "",
                      boost::json::serialize(boost::json::object{
                          {"token", token}, {"new_password", "another-secret-for-cyril"}}));
  CHECK(again.status == 400);
  CHECK(str(again.json(), "code") == "invalid_token");
  // The owner is told, without a link.
  const auto notice = wait_for_mail(smtp, "cyril@example.com", "Your password was changed");
  REQUIRE(notice.size() == 1);
  CHECK(notice[0].find("token=") == std::string::npos);
  // The reset proved the mailbox: the email is verified too.
  const Session fresh = server.login("cyril@example.com", "a-new-secret-for-cyril");
  auto me = c.send("GET", "/api/auth/me", fresh.access_token).json();
  CHECK(me.as_object().at("user").as_object().at("email_verified").as_bool());
}

TEST_CASE("account emails: orderly notify email mails a link that works, with no-store facts") {
  TempDir dirs;
  NatsServer nats(dirs.sub("nats"));
  SmtpSink smtp(dirs.sub("maildir"));
  smtp.start();
  OrderlyServer server({"--nats-url", nats.url(), "--no-email-notifier"});
  NotifierUnderTest notifier(server, "email", nats.url(),
                             {"--smtp-url", smtp.url(), "--public-url", "http://shop.example"});
  HttpClient c = server.client();
  const Session dora = server.register_user("dora");
  const auto mails = wait_for_mail(smtp, "dora@example.com", "#/verify-email?token=");
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].find("http://shop.example/#/verify-email?token=") != std::string::npos);
  const std::string token = link_token(mails[0], "verify-email");
  REQUIRE_FALSE(token.empty());
  CHECK(c.send("POST", "/api/auth/verify-email", "", token_body(token)).status == 204);
  // The facts the notifier read carry the token: never to be cached.
  const Session admin = server.admin();
  auto issued =
      c.send("GET", "/api/admin/events?type=user.email_verification_issued", admin.access_token);
  REQUIRE(issued.status == 200);
  const boost::json::value listed = issued.json();
  const auto& events = listed.as_object().at("items").as_array();
  REQUIRE(events.size() == 1);
  const auto at = static_cast<int64_t>(num(events[0], "position"));
  auto facts = c.send("GET", "/api/admin/email-facts/" + std::to_string(at), admin.access_token);
  CHECK(facts.status == 200);
  CHECK(facts.header("cache-control") == "no-store");
  CHECK(str(facts.json(), "action_page") == "verify-email");
  CHECK(str(facts.json(), "action_token") == token);
  // A customer may not read them.
  CHECK(c.send("GET", "/api/admin/email-facts/1", dora.access_token).status == 403);
  CHECK(notifier.stop() == 0);
}

TEST_CASE(
    "account emails: an email change mails a link to the new address and a notice to the "
    "old one, and the link verifies the new address") {
  TempDir mail;
  SmtpSink smtp(mail.path() + "/maildir");
  smtp.start();
  OrderlyServer server({"--smtp-url", smtp.url()});
  HttpClient c = server.client();
  const Session erin = server.register_user("erin");
  const std::string first = link_token(
      wait_for_mail(smtp, "erin@example.com", "#/verify-email?token=").at(0), "verify-email");
  REQUIRE(c.send("POST", "/api/auth/verify-email", "", token_body(first)).status == 204);

  auto changed =
      c.send("PATCH", "/api/auth/me", erin.access_token, R"({"email":"erin@new.example"})");
  REQUIRE(changed.status == 200);
  CHECK_FALSE(changed.json().as_object().at("user").as_object().at("email_verified").as_bool());
  const auto notice = wait_for_mail(smtp, "erin@example.com", "was changed");
  REQUIRE(notice.size() == 1);
  CHECK(notice[0].find("erin@new.example") != std::string::npos);
  const auto link = wait_for_mail(smtp, "erin@new.example", "#/verify-email?token=");
  REQUIRE(link.size() == 1);
  // The link of the old address no longer verifies anything.
  CHECK(c.send("POST", "/api/auth/verify-email", "", token_body(first)).status == 400);
  CHECK(
      c.send("POST", "/api/auth/verify-email", "", token_body(link_token(link[0], "verify-email")))
          .status == 204);
  auto me = c.send("GET", "/api/auth/me", erin.access_token).json();
  CHECK(str(me.as_object().at("user"), "email") == "erin@new.example");
  CHECK(me.as_object().at("user").as_object().at("email_verified").as_bool());
}
