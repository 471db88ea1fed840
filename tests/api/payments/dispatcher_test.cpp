// The payment dispatcher (api/payments/provider) inside a real `orderly
// serve` with --payment-provider-url pointing at the real simulator
// (ops/payment_simulator.py) started by the test: a confirmed card payment
// becomes one intent with the right amount and idempotency key; an intent
// the provider could not take (the simulator stopped) is sent once it is
// back, also across a restart of the engine, and a delivered one is never
// sent again; a refused one (4xx) is counted and skipped. Plus the flags.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/api/payments/payment_simulator.h"
#include "tests/api/payments/webhook_receiver.h"
#include "tests/api/shop_steps.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_binary.h"
#include "tests/support/orderly_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

using namespace orderly::testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr milliseconds kWait = seconds(30);

struct Payment {
  std::string id, order_id;
  int64_t amount_cents = 0;
};

// `who` orders one espresso cup and confirms a payment for it with
// `method`: the payment as created.
Payment confirm_payment(const OrderlyServer& server, const Session& who,
                        const std::string& method = "pm_card_ok") {
  HttpClient c = server.client();
  Payment p;
  p.order_id = place_order(server, who);
  auto created =
      c.send("POST", "/api/payments", who.access_token, R"({"order_id":")" + p.order_id + R"("})");
  REQUIRE_MESSAGE(created.status == 201, created.body);
  p.id = str(created.json().at("payment"), "id");
  p.amount_cents = num(created.json().at("payment"), "amount_cents");
  auto confirmed = c.send("POST", "/api/payments/" + p.id + "/confirm", who.access_token,
                          R"({"payment_method":")" + method + R"("})");
  REQUIRE_MESSAGE(confirmed.status == 200, confirmed.body);
  // With a provider the outcome comes later, by webhook.
  CHECK(str(confirmed.json().at("payment"), "status") == "processing");
  return p;
}

// The value of one metric line in GET /metrics, -1 when absent.
int64_t metric(const OrderlyServer& server, const std::string& name) {
  const std::string text = server.client().request("GET", "/metrics").body;
  const size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos)
    return -1;
  return std::stoll(text.substr(at + name.size() + 2));
}

// The simulator's intents for `payment_id`.
std::vector<boost::json::value> intents_of(const PaymentSimulator& sim,
                                           const std::string& payment_id) {
  std::vector<boost::json::value> found;
  for (const auto& intent : sim.control("intents")) {
    if (str(intent, "payment_id") == payment_id)
      found.push_back(intent);
  }
  return found;
}

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.sub(name)) << text;
  return dir.sub(name);
}

}  // namespace

TEST_CASE("payments dispatcher: a confirmed card payment is one intent at the provider") {
  WebhookReceiver receiver;  // the simulator's webhooks go here, not to the engine
  TempDir dir;
  const std::string key = write_file(dir, "provider.key", "sk_test_dispatcher_key\n");
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:0", "--api-key-file", key});
  OrderlyServer server({"--payment-provider-url", sim.url(), "--payment-provider-key-file", key},
                       {.log_file = "serve.log"});
  const Session ada = server.register_user("ada");

  const Payment p = confirm_payment(server, ada);
  REQUIRE_MESSAGE(
      poll_until([&] { return intents_of(sim, p.id).size() == 1; }, kWait, milliseconds(50)),
      server.log_tail());
  const auto intent = intents_of(sim, p.id)[0];
  CHECK(num(intent, "amount_cents") == p.amount_cents);
  CHECK(num(intent, "attempt") == 1);
  CHECK(str(intent, "idempotency_key") == p.id + ":1");
  CHECK(str(intent, "currency") == "USD");
  CHECK(str(intent, "payment_method") == "pm_card_ok");
  CHECK(str(intent, "return_url") ==
        "http://127.0.0.1:" + std::to_string(server.port()) + "/#/orders/" + p.order_id);
  CHECK(num(intent, "requests") == 1);
  CHECK(poll_until([&] { return metric(server, "orderly_payment_dispatch_sent_total") == 1; },
                   kWait, milliseconds(50)));
  CHECK(metric(server, "orderly_payment_dispatch_refused_total") == 0);
  // Nothing else was sent: one intent in all.
  CHECK(sim.control("intents").size() == 1);
}

TEST_CASE("payments dispatcher: an undelivered intent survives the provider and the engine") {
  WebhookReceiver receiver;
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:0"});
  const uint16_t provider_port = sim.port();
  OrderlyServer server({"--payment-provider-url", sim.url()}, {.log_file = "serve.log"});
  const Session ada = server.register_user("ada");
  const Payment first = confirm_payment(server, ada);
  REQUIRE(
      poll_until([&] { return intents_of(sim, first.id).size() == 1; }, kWait, milliseconds(50)));

  // The provider goes away: the next intent is retried while it is down,
  // and arrives once it is back, in the same run of the engine.
  CHECK(sim.stop() == 0);
  const Payment second = confirm_payment(server, ada);
  REQUIRE(poll_until([&] { return metric(server, "orderly_payment_dispatch_failures_total") >= 2; },
                     kWait, milliseconds(50)));
  sim.start(provider_port);
  REQUIRE_MESSAGE(
      poll_until([&] { return intents_of(sim, second.id).size() == 1; }, kWait, milliseconds(50)),
      server.log_tail());
  CHECK(str(intents_of(sim, second.id)[0], "idempotency_key") == second.id + ":1");
  CHECK(num(intents_of(sim, second.id)[0], "amount_cents") == second.amount_cents);

  // Down again; this time the engine restarts before the provider is back.
  CHECK(sim.stop() == 0);
  const Payment third = confirm_payment(server, ada);
  REQUIRE(server.stop() == 0);
  sim.start(provider_port);  // a fresh provider: it knows nothing sent before
  server.start();
  REQUIRE_MESSAGE(
      poll_until([&] { return intents_of(sim, third.id).size() == 1; }, kWait, milliseconds(50)),
      server.log_tail());
  const auto intent = intents_of(sim, third.id)[0];
  CHECK(str(intent, "idempotency_key") == third.id + ":1");
  CHECK(num(intent, "amount_cents") == third.amount_cents);
  CHECK(str(intent, "return_url") ==
        "http://127.0.0.1:" + std::to_string(server.port()) + "/#/orders/" + third.order_id);
  // The delivered ones were not sent again, with this key or another.
  CHECK(poll_until([&] { return metric(server, "orderly_payment_dispatch_sent_total") == 1; },
                   kWait, milliseconds(50)));
  CHECK(sim.control("intents").size() == 1);
  CHECK(intents_of(sim, first.id).empty());
  CHECK(intents_of(sim, second.id).empty());
}

TEST_CASE("payments dispatcher: an intent the provider refuses is counted and not sent again") {
  WebhookReceiver receiver;
  TempDir dir;
  const std::string right = write_file(dir, "right.key", "sk_test_right_key\n");
  const std::string wrong = write_file(dir, "wrong.key", "sk_test_wrong_key\n");
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:0", "--api-key-file", right});
  OrderlyServer server({"--payment-provider-url", sim.url(), "--payment-provider-key-file", wrong},
                       {.log_file = "serve.log"});
  const Session ada = server.register_user("ada");
  const Payment refused = confirm_payment(server, ada);
  REQUIRE_MESSAGE(
      poll_until([&] { return metric(server, "orderly_payment_dispatch_refused_total") == 1; },
                 kWait, milliseconds(50)),
      server.log_tail());
  CHECK(sim.control("intents").empty());
  CHECK(server.log_tail().find("refused the intent of payment " + refused.id) != std::string::npos);

  // With the right key after a restart, the next payment goes through and
  // the refused one is not tried again.
  REQUIRE(server.stop() == 0);
  OrderlyServer fixed(
      {"--payment-provider-url", sim.url(), "--payment-provider-key-file", right},
      {.data_dir = server.data_dir(), .create_admin = false, .log_file = "serve.log"});
  const Payment next = confirm_payment(fixed, fixed.login("ada@example.com", "password-of-ada"));
  REQUIRE(
      poll_until([&] { return intents_of(sim, next.id).size() == 1; }, kWait, milliseconds(50)));
  CHECK(intents_of(sim, refused.id).empty());
  CHECK(metric(fixed, "orderly_payment_dispatch_refused_total") == 0);
}

TEST_CASE(
    "payments dispatcher: with the simulator's webhooks cards succeed, 3-D Secure and refunds "
    "too") {
  // The simulator first (the engine needs its URL), its webhooks pointed at
  // the engine once that listens.
  PaymentSimulator sim("http://127.0.0.1:1/", {"--delay-ms", "0:20"});
  OrderlyServer server(
      {"--payment-provider-url", sim.url(), "--payment-webhook-secret-file", sim.secret_file()},
      {.log_file = "serve.log"});
  sim.send_webhooks_to("http://127.0.0.1:" + std::to_string(server.port()) +
                       "/api/payments/webhook");
  const Session ada = server.register_user("ada");
  HttpClient c = server.client();
  auto status_of = [&](const std::string& payment) {
    const auto r = c.send("GET", "/api/payments/" + payment, ada.access_token);
    return r.status == 200 ? str(r.json().at("payment"), "status") : std::string();
  };

  const Payment card = confirm_payment(server, ada);
  REQUIRE_MESSAGE(
      poll_until([&] { return status_of(card.id) == "succeeded"; }, kWait, milliseconds(50)),
      server.log_tail());
  auto order = c.send("GET", "/api/orders/" + card.order_id, ada.access_token);
  CHECK(str(order.json().at("order"), "status") == "confirmed");

  const Payment three_ds = confirm_payment(server, ada, "pm_card_3ds");
  REQUIRE(poll_until([&] { return status_of(three_ds.id) == "requires_action"; }, kWait,
                     milliseconds(50)));
  const std::string intent = str(intents_of(sim, three_ds.id).at(0), "id");
  const auto approved = sim.client().request("POST", "/3ds/" + intent + "/approve");
  CHECK(approved.status == 303);
  CHECK(approved.header("location") ==
        "http://127.0.0.1:" + std::to_string(server.port()) + "/#/orders/" + three_ds.order_id);
  REQUIRE(
      poll_until([&] { return status_of(three_ds.id) == "succeeded"; }, kWait, milliseconds(50)));

  // A refund asked by an admin goes to the provider and is finished by its
  // webhook.
  const Session admin = server.admin();
  const auto asked =
      c.send("POST", "/api/payments/" + card.id + "/refund", admin.access_token, "{}");
  REQUIRE_MESSAGE(asked.status == 200, asked.body);
  REQUIRE_MESSAGE(
      poll_until([&] { return status_of(card.id) == "refunded"; }, kWait, milliseconds(50)),
      server.log_tail());
  const auto refunds = sim.control("refunds");
  REQUIRE(refunds.size() == 1);
  CHECK(str(refunds[0], "payment_id") == card.id);
  CHECK(num(refunds[0], "amount_cents") == card.amount_cents);
  CHECK(str(refunds[0], "idempotency_key") == str(refunds[0], "refund_id"));
  // The engine took every webhook.
  for (const auto& delivery : sim.control("deliveries"))
    CHECK(num(delivery, "status") == 200);
}

TEST_CASE(
    "payments dispatcher: bad provider flags stop orderly serve with exit 2 naming the flag") {
  TempDir dir;
  const std::string key = write_file(dir, "provider.key", "sk_test_key\n");
  const std::string empty = write_file(dir, "empty.key", "\n");
  auto serve = [&](std::vector<std::string> flags) {
    const std::string log = dir.sub("serve.log");
    std::filesystem::remove(log);
    std::vector<std::string> argv = {orderly_binary(), "serve", "--data-dir",     dir.sub("data"),
                                     "--log-format",   "json",  "--http-address", "127.0.0.1:0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    RunResult r = run_command(with_stderr_to(log, argv));
    std::ifstream in(log);
    r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return r;
  };
  for (const std::string url :
       {"http://pay.example.com", "ftp://127.0.0.1", "not a url", "https://user:pw@pay.example.com",
        "https://pay.example.com/?x=1"}) {
    CAPTURE(url);
    const RunResult r = serve({"--payment-provider-url", url});
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("--payment-provider-url") != std::string::npos);
  }
  RunResult r = serve({"--payment-provider-key-file", key});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("needs --payment-provider-url") != std::string::npos);
  r = serve({"--payment-provider-url", "https://pay.example.com", "--payment-provider-key-file",
             dir.sub("missing")});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--payment-provider-key-file") != std::string::npos);
  r = serve(
      {"--payment-provider-url", "https://pay.example.com", "--payment-provider-key-file", empty});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("holds no secret") != std::string::npos);
}
