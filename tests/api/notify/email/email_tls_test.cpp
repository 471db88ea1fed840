// SMTP over TLS (issue 18: "SMTP never asks for STARTTLS"), against a real
// aiosmtpd with a certificate for 127.0.0.1 from a CA made here:
//   - STARTTLS by default (opportunistic), the certificate verified against
//     --smtp-ca-file; a CA that did not sign it fails the email with a clear
//     last_error and nothing goes in clear, even where clear text would be
//     accepted;
//   - smtps:// (implicit TLS);
//   - --smtp-tls required against a server without STARTTLS fails the
//     email rather than sending it in clear; --smtp-tls off never upgrades;
//   - contradictory or unreadable settings stop `serve` and `notify email`
//     at start (exit 2), and `notify email` takes the same options.
#include <doctest/doctest.h>

#include <thread>

#include "tests/api/notify/email/email_checks.h"
#include "tests/api/shop_steps.h"
#include "tests/support/json_fields.h"
#include "tests/support/order_label.h"
#include "tests/support/orderly_notifier.h"
#include "tests/support/orderly_server.h"
#include "tests/support/services.h"
#include "tests/support/shop_requests.h"

using namespace orderly::testing;

namespace {

using Mode = TlsSmtpSink::Mode;

// A new customer `name` places an order: its email once it has failed at
// least once, its last_error as an admin sees it (the transport's detail;
// the customer gets a plain sentence).
std::string first_order_failure(const OrderlyServer& server, const std::string& name) {
  const Session user = server.register_user(name);
  (void)place_order(server, user);
  HttpClient c = server.client();
  const Session admin = server.admin();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto h =
        c.send("GET", "/api/notifications?user_id=" + user.id, admin.access_token).json();
    for (const auto& n : h.as_object().at("items").as_array()) {
      const auto& error = n.as_object().at("last_error");
      if (str(n, "status") == "failed" && error.is_string())
        return std::string(error.as_string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

// Runs `orderly ARGS` through sh (for stderr): exit status and output.
RunResult run_orderly(const std::string& args) {
  return run_command({"/bin/sh", "-c", std::string(ORDERLY_BINARY) + " " + args + " 2>&1"});
}

// The one message `smtp` took (within `within`), over TLS: the email of
// `order` being received. Returned for more checks.
std::string one_tls_order_email(const TlsSmtpSink& smtp, const std::string& order,
                                std::chrono::seconds within = std::chrono::seconds(60)) {
  auto messages = wait_for_messages([&] { return smtp.order_messages(); }, 1, within);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].find("X-Test-TLS: yes\n") == 0);
  CHECK(messages[0].find("Subject: Order " + order_label(order) + " received") !=
        std::string::npos);
  return messages[0];
}

}  // namespace

TEST_CASE("email TLS: STARTTLS by default, the server's certificate verified with --smtp-ca-file") {
  TempDir dir;
  TestPki pki(dir.sub("pki"));
  TlsSmtpSink smtp(dir.sub("smtp"), Mode::kStartTls, &pki);  // refuses MAIL before STARTTLS
  OrderlyServer server({"--smtp-url", smtp.url(), "--smtp-ca-file", pki.ca()});
  Session ada = server.register_user("ada");
  const std::string order = place_order(server, ada);
  (void)one_tls_order_email(smtp, order);
}

TEST_CASE(
    "email TLS: a certificate the CA file does not verify fails the email, nothing in clear") {
  TempDir dir;
  TestPki pki(dir.sub("pki")), other(dir.sub("other"));
  // This server would take the message in clear too: a fallback would show.
  TlsSmtpSink smtp(dir.sub("smtp"), Mode::kStartTlsOptional, &pki);
  OrderlyServer server({"--smtp-url", smtp.url(), "--smtp-ca-file", other.ca()});
  const std::string error = first_order_failure(server, "ada");
  CAPTURE(error);
  CHECK(error.find("SMTP: the server's TLS certificate did not verify against --smtp-ca-file " +
                   other.ca()) == 0);
  CHECK(error.find("(not sent)") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(smtp.order_messages().empty());
  // Without a CA file the system's CAs do not know this one either.
  TlsSmtpSink strict(dir.sub("smtp2"), Mode::kStartTls, &pki);
  OrderlyServer system_cas({"--smtp-url", strict.url()});
  const std::string error2 = first_order_failure(system_cas, "bob");
  CHECK(error2.find("did not verify against the system's CAs") != std::string::npos);
  CHECK(strict.messages().empty());
}

TEST_CASE("email TLS: smtps:// delivers over implicit TLS, verified") {
  TempDir dir;
  TestPki pki(dir.sub("pki"));
  TlsSmtpSink smtp(dir.sub("smtp"), Mode::kImplicitTls, &pki);
  REQUIRE(smtp.url().rfind("smtps://", 0) == 0);
  OrderlyServer server(
      {"--smtp-url", smtp.url(), "--smtp-ca-file", pki.ca(), "--smtp-tls", "required"});
  Session ada = server.register_user("ada");
  const std::string order = place_order(server, ada);
  (void)one_tls_order_email(smtp, order);
}

TEST_CASE("email TLS: required against a server without STARTTLS fails, nothing sent in clear") {
  TempDir dir;
  TlsSmtpSink smtp(dir.sub("smtp"), Mode::kPlain, nullptr);
  OrderlyServer server({"--smtp-url", smtp.url(), "--smtp-tls", "required"});
  const std::string error = first_order_failure(server, "ada");
  CAPTURE(error);
  CHECK(error.find("SMTP: the server does not offer STARTTLS and --smtp-tls is required: not "
                   "sent in clear") == 0);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(smtp.order_messages().empty());
}

TEST_CASE("email TLS: off sends in clear even where STARTTLS is offered, opportunistic upgrades") {
  TempDir dir;
  TestPki pki(dir.sub("pki"));
  TlsSmtpSink smtp(dir.sub("smtp"), Mode::kStartTlsOptional, &pki);
  {
    OrderlyServer server({"--smtp-url", smtp.url(), "--smtp-tls", "off"});
    Session ada = server.register_user("ada");
    (void)place_order(server, ada);
    auto messages =
        wait_for_messages([&] { return smtp.order_messages(); }, 1, std::chrono::seconds(60));
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].find("X-Test-TLS: no\n") == 0);
  }
  OrderlyServer server({"--smtp-url", smtp.url(), "--smtp-ca-file", pki.ca()});
  Session bob = server.register_user("bob");
  (void)place_order(server, bob);
  auto messages =
      wait_for_messages([&] { return smtp.order_messages(); }, 2, std::chrono::seconds(60));
  REQUIRE(messages.size() == 2);
  CHECK(count_with(messages, "X-Test-TLS: yes\n") == 1);
}

TEST_CASE("email TLS: contradictory or unreadable settings are refused at start, exit 2") {
  TempDir dir;
  const std::string serve =
      "serve --log-format json --data-dir " + dir.sub("data") + " --http-address 127.0.0.1:0 ";
  auto r = run_orderly(serve + "--smtp-url smtps://127.0.0.1:1 --smtp-tls off");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--smtp-tls off contradicts --smtp-url smtps://127.0.0.1:1") !=
        std::string::npos);
  r = run_orderly(serve + "--smtp-url smtp://127.0.0.1:1 --smtp-tls sometimes");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--smtp-tls") != std::string::npos);
  r = run_orderly(serve + "--smtp-url smtp://127.0.0.1:1 --smtp-ca-file " + dir.path() +
                  "/none.pem");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("cannot read --smtp-ca-file") != std::string::npos);
  r = run_orderly(serve + "--smtp-url http://127.0.0.1:1");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--smtp-url must start with smtp:// or smtps://") != std::string::npos);
  r = run_orderly(serve + "--public-url ftp://shop.example.com");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--public-url must be http(s)://") != std::string::npos);
  // The environment names them too.
  r = run_command({"/bin/sh", "-c",
                   "ORDERLY_SMTP_URL=smtps://127.0.0.1:1 ORDERLY_SMTP_TLS=off " +
                       std::string(ORDERLY_BINARY) + " " + serve + " 2>&1"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--smtp-tls off contradicts") != std::string::npos);
  // `notify email` checks them before it looks for the engine.
  r = run_orderly("notify email --log-format json --data-dir " + dir.sub("n") +
                  " --nats-url nats://127.0.0.1:1 --engine-email admin@example.com "
                  "--engine-password-file " +
                  dir.path() + "/none.pw --smtp-url smtps://127.0.0.1:1 --smtp-tls off");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--smtp-tls off contradicts") != std::string::npos);
}

TEST_CASE("notify email: as its own process, STARTTLS verified, --public-url in the link") {
  TempDir dir;
  TestPki pki(dir.sub("pki"));
  NatsServer nats(dir.sub("nats"));
  TlsSmtpSink smtp(dir.sub("smtp"), Mode::kStartTls, &pki);
  OrderlyServer server({"--nats-url", nats.url(), "--no-email-notifier"});
  NotifierUnderTest notifier(server, "email", nats.url(),
                             {"--smtp-url", smtp.url(), "--smtp-tls", "required", "--smtp-ca-file",
                              pki.ca(), "--public-url", "https://shop.example.com"});
  Session ada = server.register_user("ada");
  const std::string order = place_order(server, ada);
  const std::string message = one_tls_order_email(smtp, order, std::chrono::seconds(90));
  CHECK(message.find("Your order: https://shop.example.com/#/orders/" + order + "\n") !=
        std::string::npos);
  CHECK(notifier.stop() == 0);
  CHECK(server.stop() == 0);
}
