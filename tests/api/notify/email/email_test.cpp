// The email notifier against a real SMTP server (Debian's aiosmtpd, writing
// a Maildir): an order's journey produces exactly the expected emails; with
// the SMTP server down the attempts are retried and recorded, and once it is
// back every email arrives once. Without --smtp-url emails land in the outbox.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/json_fields.h"
#include "tests/support/order_label.h"
#include "tests/support/orderly_notifier.h"
#include "tests/support/orderly_server.h"
#include "tests/support/services.h"
#include "tests/support/shop_requests.h"

using namespace orderly::testing;

namespace {

std::string place_and_pay(HttpClient& c, const Session& user, const std::string& product) {
  auto order = c.send("POST", "/api/orders", user.access_token,
                      R"({"items":[{"product_id":")" + product + R"(","quantity":2}]})");
  REQUIRE(order.status == 201);
  const std::string id = str(order.json().as_object().at("order"), "id");
  auto pay = c.send("POST", "/api/payments", user.access_token, R"({"order_id":")" + id + R"("})");
  REQUIRE(pay.status == 201);
  REQUIRE(c.send("POST",
                 "/api/payments/" + str(pay.json().as_object().at("payment"), "id") + "/confirm",
                 user.access_token, R"({"payment_method":"pm_card_ok"})")
              .status == 200);
  return id;
}

// With the SMTP server down (not started yet): an order's email fails and
// the history shows the attempts and the error; once the server is up the
// email arrives, once, and the history says sent.
void check_smtp_outage(const OrderlyServer& server, SmtpSink& smtp) {
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  const std::string cup = product_id(c, "espresso");
  auto order = order_one(c, ada, cup);
  REQUIRE(order.status == 201);
  // Failed attempts are in the history, with the error.
  bool failed = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!failed && std::chrono::steady_clock::now() < deadline) {
    const auto h = c.send("GET", "/api/notifications", ada.access_token).json();
    for (const auto& n : h.as_object().at("items").as_array()) {
      failed |= str(n, "status") == "failed" && num(n, "attempts") >= 1 &&
                !n.as_object().at("last_error").is_null();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(failed);
  smtp.start();
  auto messages =
      wait_for_messages([&] { return smtp.order_messages(); }, 1, std::chrono::seconds(90));
  REQUIRE(messages.size() == 1);
  // Sent now, after more than one attempt; and only once.
  bool sent = false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!sent && std::chrono::steady_clock::now() < until) {
    const auto h = c.send("GET", "/api/notifications", ada.access_token).json();
    const auto& n = h.as_object().at("items").as_array().at(0);
    sent = str(n, "status") == "sent" && num(n, "attempts") >= 2;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(sent);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(smtp.order_messages().size() == 1);
}

// Ada orders two cups, pays and the admin ships: the four emails that
// journey causes (placed, payment succeeded, confirmed by the payment,
// shipped) arrive within `timeout`, each once, to Ada, with the order's
// lines, in text and HTML. Returns the order and the messages.
struct Journey {
  Session ada;
  std::string cup, order;
  std::vector<std::string> messages;
};
Journey check_journey_emails(const OrderlyServer& server, SmtpSink& smtp,
                             std::chrono::seconds timeout) {
  Journey j;
  HttpClient c = server.client();
  j.ada = server.register_user("ada");
  Session admin = server.admin();
  j.cup = product_id(c, "espresso");
  j.order = place_and_pay(c, j.ada, j.cup);
  REQUIRE(c.send("PUT", "/api/orders/" + j.order + "/status", admin.access_token,
                 R"({"status":"shipped"})")
              .status == 200);
  j.messages = wait_for_messages([&] { return smtp.order_messages(); }, 4, timeout);
  REQUIRE(j.messages.size() == 4);
  const auto& m = j.messages;
  const std::string ref = order_label(j.order);
  CHECK(count_with(m, "To: ada@example.com") == 4);
  CHECK(count_with(m, "From: shop@example.com") == 4);
  CHECK(count_with(m, "Subject: Order " + ref + " received: 25.00 USD") == 1);
  CHECK(count_with(m, "Subject: Payment of 25.00 USD received for order " + ref) == 1);
  CHECK(count_with(m, "Subject: Order " + ref + " confirmed") == 1);
  CHECK(count_with(m, "Subject: Order " + ref + " is on its way") == 1);
  CHECK(count_with(m, "2 x Espresso cup at 12.50 USD = 25.00 USD") == 4);
  CHECK(count_with(m, "Content-Type: text/html") == 4);
  CHECK(count_with(m, "Hello ada") == 4);
  return j;
}

}  // namespace

TEST_CASE("email: an order's journey sends exactly the expected emails, once each") {
  TempDir mail;
  SmtpSink smtp(mail.sub("maildir"));
  smtp.start();
  OrderlyServer server({"--smtp-url", smtp.url(), "--mail-from", "shop@example.com"});
  const Journey j = check_journey_emails(server, smtp, std::chrono::seconds(60));
  const Session& ada = j.ada;
  HttpClient c = server.client();

  // The history says sent, one attempt each (the record follows the SMTP
  // answer: wait for it); nothing more arrives later.
  // (Five: the four order emails and the registration's verification link.)
  json::value history_json;
  auto all_sent = [&] {
    history_json = c.send("GET", "/api/notifications", ada.access_token).json();
    const auto& items = history_json.as_object().at("items").as_array();
    return items.size() == 5 && std::all_of(items.begin(), items.end(), [](const auto& n) {
             return str(n, "status") == "sent";
           });
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!all_sent() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(num(history_json, "total") == 5);
  for (const auto& n : history_json.as_object().at("items").as_array()) {
    CHECK(str(n, "status") == "sent");
    CHECK(num(n, "attempts") == 1);
  }
  // A restart does not send them again.
  CHECK(server.stop() == 0);
  server.start();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(smtp.order_messages().size() == 4);
}

TEST_CASE("email: SMTP down, attempts retried and recorded, then each email delivered once") {
  TempDir mail;
  SmtpSink smtp(mail.sub("maildir"));  // not started yet
  OrderlyServer server({"--smtp-url", smtp.url()});
  check_smtp_outage(server, smtp);
}

TEST_CASE("email: without --smtp-url the emails are .eml files in the outbox") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  const std::string cup = product_id(c, "espresso");
  REQUIRE(order_one(c, ada, cup).status == 201);
  auto files = wait_for_messages(
      [&] {
        std::vector<std::string> out;
        std::error_code ec;
        for (const auto& f :
             std::filesystem::directory_iterator(server.data_dir() + "/outbox", ec)) {
          if (f.path().extension() == ".eml")
            out.push_back(f.path().string());
        }
        return out;
      },
      2, std::chrono::seconds(60));
  // The order's email, beside the registration's verification link.
  std::erase_if(files, [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str().find("Subject: Order ") == std::string::npos;
  });
  REQUIRE(files.size() == 1);
  std::ifstream in(files[0]);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str().find("To: ada@example.com") != std::string::npos);
  CHECK(ss.str().find("Subject: Order ") != std::string::npos);
}

TEST_CASE("email: driven through NATS, nats-server killed mid-burst, every email once") {
  TempDir dirs;
  NatsServer nats(dirs.sub("nats"));
  SmtpSink smtp(dirs.sub("maildir"));
  smtp.start();
  // 31 emails to one customer, each expected once: no hold or email limits.
  OrderlyServer server({"--nats-url", nats.url(), "--smtp-url", smtp.url(), "--hold-max-units", "0",
                        "--hold-max-orders", "0", "--hold-max-cents", "0", "--email-recipient-rate",
                        "0", "--email-recipient-daily", "0"});
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  const std::string cup = product_id(c, "espresso");
  std::vector<std::string> refs;
  auto place = [&](int n) {
    HttpClient h = server.client();  // the port changes when the server restarts
    for (int i = 0; i < n; ++i) {
      auto r = order_one(h, ada, cup);
      REQUIRE(r.status == 201);
      refs.push_back(order_label(str(r.json().as_object().at("order"), "id")));
    }
  };
  place(10);
  nats.kill();
  place(10);  // the engine takes orders while NATS is down
  nats.start();
  place(10);
  auto messages =
      wait_for_messages([&] { return smtp.order_messages(); }, 30, std::chrono::seconds(120));
  CHECK(messages.size() == 30);
  for (const auto& ref : refs) {
    CAPTURE(ref);
    CHECK(count_with(messages, "Subject: Order " + ref + " received") == 1);
  }
  // Redeliveries after the restart send nothing more.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(smtp.order_messages().size() == 30);
  // The engine restarted (its checkpoint has moved since the durable
  // consumer was made): the consumer is bound again and orders still mail.
  CHECK(server.stop() == 0);
  server.start();
  place(1);
  messages = wait_for_messages([&] { return smtp.order_messages(); }, 31, std::chrono::seconds(90));
  CHECK(messages.size() == 31);
  CHECK(count_with(messages, "Subject: Order " + refs.back() + " received") == 1);
  CHECK(server.stop() == 0);
}

TEST_CASE(
    "notify email: as its own process, the journey's emails once each, none again after a crash") {
  TempDir dirs;
  NatsServer nats(dirs.sub("nats"));
  SmtpSink smtp(dirs.sub("maildir"));
  smtp.start();
  // Six emails to Ada (the verification link, the journey's four, one more
  // order): past the default per-recipient burst of five, so no limits.
  OrderlyServer server({"--nats-url", nats.url(), "--no-email-notifier", "--email-recipient-rate",
                        "0", "--email-recipient-daily", "0"});
  NotifierUnderTest notifier(server, "email", nats.url(),
                             {"--smtp-url", smtp.url(), "--mail-from", "shop@example.com"});
  const Journey j = check_journey_emails(server, smtp, std::chrono::seconds(90));
  const Session& ada = j.ada;
  const std::string& cup = j.cup;
  HttpClient c = server.client();
  std::vector<std::string> messages;

  // The outcomes went through the engine's API: the history says sent.
  auto all_sent = [&](size_t n) {
    const auto h = c.send("GET", "/api/notifications", ada.access_token).json();
    const auto& items = h.as_object().at("items").as_array();
    return items.size() == n && std::all_of(items.begin(), items.end(), [](const auto& x) {
             return str(x, "status") == "sent" && num(x, "attempts") == 1;
           });
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!all_sent(5) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(all_sent(5));  // the journey's four and the verification link

  // Killed; an order placed meanwhile is mailed once it is back, and
  // nothing sent before is sent again.
  notifier.kill();
  auto late = order_one(c, ada, cup);
  REQUIRE(late.status == 201);
  const std::string late_ref = order_label(str(late.json().as_object().at("order"), "id"));
  notifier.start();
  messages = wait_for_messages([&] { return smtp.order_messages(); }, 5, std::chrono::seconds(90));
  CHECK(messages.size() == 5);
  CHECK(count_with(messages, "Subject: Order " + late_ref + " received") == 1);
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!all_sent(6) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(all_sent(6));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(smtp.order_messages().size() == 5);
  CHECK(notifier.stop() == 0);
  CHECK(server.stop() == 0);
}

TEST_CASE(
    "notify email: as its own process, SMTP down, failures recorded through the API, then once") {
  TempDir dirs;
  NatsServer nats(dirs.sub("nats"));
  SmtpSink smtp(dirs.sub("maildir"));  // not started yet
  OrderlyServer server({"--nats-url", nats.url(), "--no-email-notifier"});
  NotifierUnderTest notifier(server, "email", nats.url(), {"--smtp-url", smtp.url()});
  check_smtp_outage(server, smtp);
}

TEST_CASE("notify email: a wrong engine password or a customer account is a clear error, exit 2") {
  TempDir dirs;
  NatsServer nats(dirs.sub("nats"));
  OrderlyServer server({"--nats-url", nats.url(), "--no-email-notifier"});
  std::ofstream(dirs.path() + "/wrong.pw") << "not-the-password";
  // Through sh for the log on stderr (temporary paths have no spaces).
  auto r = run_command({"/bin/sh", "-c",
                        std::string(ORDERLY_BINARY) + " notify email --data-dir " + dirs.sub("n") +
                            " --log-format json --nats-url " + nats.url() +
                            " --engine-url http://127.0.0.1:" + std::to_string(server.port()) +
                            " --engine-email admin@example.com --engine-password-file " +
                            dirs.path() + "/wrong.pw 2>&1"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("refused the login of admin@example.com") != std::string::npos);
  // A customer's account is refused at once too: it could not record anything.
  (void)server.register_user("carol");
  std::ofstream(dirs.path() + "/carol.pw") << "password-of-carol";
  auto customer =
      run_command({"/bin/sh", "-c",
                   std::string(ORDERLY_BINARY) + " notify email --data-dir " + dirs.sub("n") +
                       " --log-format json --nats-url " + nats.url() +
                       " --engine-url http://127.0.0.1:" + std::to_string(server.port()) +
                       " --engine-email carol@example.com --engine-password-file " + dirs.path() +
                       "/carol.pw 2>&1"});
  CHECK(customer.exit_code == 2);
  CHECK(customer.output.find("carol@example.com is not an admin account") != std::string::npos);
}
