// Issue 23's webhooks over HTTP from the real simulator: duplicated,
// reordered and delayed deliveries change a payment once and are all
// recorded; forged ones (bad signature, wrong secret, old or future
// timestamp, a body altered after signing, a missing or malformed header)
// are refused with stable codes and record nothing (no payment or order
// event after the log position before them); an unknown
// payment is 404 and recorded; a malformed body is 422 naming the field.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <ctime>
#include <string>
#include <vector>

#include "api/payments/webhook_signature.h"
#include "tests/api/payments/payments_shop.h"
#include "tests/support/problem.h"

using namespace orderly::testing;
using orderly::api::payments::signature_header_value;
using std::chrono::milliseconds;

namespace {

int64_t now_s() {
  return static_cast<int64_t>(std::time(nullptr));
}

// A payment of a fresh order, confirmed with `method`: processing (with
// kProviderAway it stays so until the test sends the provider's webhook).
std::string processing_payment(PaymentsShop& shop, const std::string& method = "pm_card_ok") {
  const std::string pay = shop.create_payment(shop.place_order());
  auto confirmed = shop.confirm(pay, method);
  REQUIRE_MESSAGE(confirmed.status == 200, confirmed.body);
  REQUIRE(str(confirmed.json().as_object().at("payment"), "status") == "processing");
  return pay;
}

json::object succeeded_data(const std::string& pay) {
  return {{"payment_id", pay}, {"amount_cents", PaymentsShop::kPrice}};
}

// The engine's answer to a control call, as an HttpResult-like pair.
int status_of(const json::object& sent) {
  return static_cast<int>(sent.at("status").to_number<int64_t>());
}
std::string code_in(const json::object& sent) {
  const auto body = json::parse(sent.at("body").as_string());
  return body.is_object() && body.as_object().contains("code") ? str(body, "code") : "";
}

}  // namespace

TEST_CASE("payments webhooks: one provider event id sent twice is applied once") {
  PaymentsShop shop(PayMode::kProviderAway);
  const std::string pay = processing_payment(shop);
  const std::string event_id = "evt_twice_" + pay.substr(0, 8);
  auto first = shop.send_event("payment.succeeded", succeeded_data(pay), event_id);
  auto second = shop.send_event("payment.succeeded", succeeded_data(pay), event_id);
  CHECK(status_of(first) == 200);
  CHECK(status_of(second) == 200);
  CHECK(shop.webhook_outcomes(pay) == std::vector<std::string>{"applied", "duplicate"});
  CHECK(shop.payment_events(pay, "payment.succeeded").size() == 1);
  CHECK(shop.payment_status(pay) == "succeeded");
  CHECK(shop.order_status(str(shop.payment(pay), "order_id")) == "confirmed");
}

TEST_CASE("payments webhooks: the simulator's duplicates change a payment once") {
  PaymentsShop shop(PayMode::kProvider, {"--delay-ms", "0:40", "--duplicate-rate", "1"});
  const std::string pay = processing_payment(shop);
  REQUIRE(shop.wait_webhooks(pay, 2));
  CHECK(shop.webhook_outcomes(pay) == std::vector<std::string>{"applied", "duplicate"});
  CHECK(shop.payment_events(pay, "payment.succeeded").size() == 1);
  CHECK(shop.payment_status(pay) == "succeeded");
  // Both deliveries answered 200: the provider must not retry them.
  int answered = 0;
  for (const auto& d : shop.sim().control("deliveries")) {
    if (str(d, "payment_id") == pay) {
      CHECK(num(d, "status") == 200);
      ++answered;
    }
  }
  CHECK(answered == 2);
}

TEST_CASE("payments webhooks: out of order deliveries are recorded and ignored") {
  PaymentsShop shop(PayMode::kProviderAway);
  const std::string pay = processing_payment(shop, "pm_card_3ds");
  CHECK(status_of(shop.send_event("payment.succeeded", succeeded_data(pay))) == 200);
  json::object failed = succeeded_data(pay);
  failed["reason"] = "card_declined";
  CHECK(status_of(shop.send_event("payment.failed", failed)) == 200);
  json::object action = succeeded_data(pay);
  action["next_action_url"] = shop.sim().url() + "/3ds/pi_late";
  CHECK(status_of(shop.send_event("payment.requires_action", action)) == 200);
  CHECK(shop.webhook_outcomes(pay) == std::vector<std::string>{"applied", "ignored", "ignored"});
  CHECK(shop.payment_status(pay) == "succeeded");
  CHECK(shop.payment_events(pay, "payment.failed").empty());
  CHECK(shop.payment_events(pay, "payment.requires_action").empty());
}

TEST_CASE("payments webhooks: the simulator's reordering (the outcome before requires_action)") {
  // requires_action waits long; the approval's payment.succeeded is
  // scheduled while it waits and the simulator swaps them.
  PaymentsShop shop(PayMode::kProvider, {"--delay-ms", "1500:2000", "--reorder-rate", "1"});
  const std::string pay = processing_payment(shop, "pm_card_3ds");
  const std::string intent = shop.wait_intent(pay);
  auto approved = shop.sim().client().request("POST", "/3ds/" + intent + "/approve");
  CHECK(approved.status == 303);
  REQUIRE(shop.wait_webhooks(pay, 2));
  CHECK(shop.webhook_outcomes(pay) == std::vector<std::string>{"applied", "ignored"});
  const auto received = shop.payment_events(pay, "payment.webhook_received");
  CHECK(str(received[0].as_object().at("data"), "event_type") == "payment.succeeded");
  CHECK(str(received[1].as_object().at("data"), "event_type") == "payment.requires_action");
  CHECK(shop.payment_status(pay) == "succeeded");
}

TEST_CASE("payments webhooks: a delayed outcome leaves the payment processing until it comes") {
  PaymentsShop shop(PayMode::kProvider, {"--delay-ms", "1500:2000"});
  const auto sent = std::chrono::steady_clock::now();
  const std::string pay = processing_payment(shop);
  // Within the simulator's smallest delay nothing has arrived.
  CHECK(shop.payment_status(pay) == "processing");
  CHECK(shop.webhook_outcomes(pay).empty());
  REQUIRE(shop.wait_payment_status(pay, "succeeded"));
  CHECK(std::chrono::steady_clock::now() - sent >= milliseconds(1500));
  CHECK(shop.webhook_outcomes(pay) == std::vector<std::string>{"applied"});
}

TEST_CASE("payments webhooks: forged calls are refused and leave the log unchanged") {
  PaymentsShop shop(PayMode::kProviderAway);
  const std::string pay = processing_payment(shop);
  const json::object event{{"id", "evt_forged_1"},
                           {"type", "payment.succeeded"},
                           {"created", now_s()},
                           {"data", succeeded_data(pay)}};
  const std::string body = json::serialize(event);
  const std::string secret = PaymentSimulator::kSecret;
  const int64_t before = shop.log_position();

  struct Forgery {
    const char* what;
    json::object request;
    const char* code;
  };
  const std::vector<Forgery> forgeries = {
      {"a bad signature",
       {{"raw_body", body},
        {"signature", "t=" + std::to_string(now_s()) + ",v1=" + std::string(64, 'a')}},
       "invalid_signature"},
      {"the wrong secret",
       {{"raw_body", body}, {"secret", "whsec_not_the_engines_secret"}},
       "invalid_signature"},
      {"an old timestamp",
       {{"raw_body", body}, {"timestamp", now_s() - 301 - 60}},
       "stale_webhook"},
      {"a future timestamp",
       {{"raw_body", body}, {"timestamp", now_s() + 301 + 60}},
       "stale_webhook"},
      {"a body altered after signing",
       {{"raw_body", body.substr(0, body.size() - 2) + " }"},
        {"signature", signature_header_value({secret}, now_s(), body)}},
       "invalid_signature"},
      {"an amount altered after signing",
       {{"raw_body",
         [&] {
           json::object changed = event;
           changed["data"].as_object()["amount_cents"] = 1;
           return json::serialize(changed);
         }()},
        {"signature", signature_header_value({secret}, now_s(), body)}},
       "invalid_signature"},
      {"no header", {{"raw_body", body}, {"signature", nullptr}}, "invalid_signature"},
      {"an empty header", {{"raw_body", body}, {"signature", ""}}, "invalid_signature"},
      {"a header that is not t=,v1=",
       {{"raw_body", body}, {"signature", "sha256=" + std::string(64, 'b')}},
       "invalid_signature"},
      {"a header without t",
       {{"raw_body", body}, {"signature", "v1=" + std::string(64, 'c')}},
       "invalid_signature"},
      {"a header with a short v1",
       {{"raw_body", body}, {"signature", "t=" + std::to_string(now_s()) + ",v1=abc"}},
       "invalid_signature"},
      {"a header with a t that is not a number",
       {{"raw_body", body}, {"signature", "t=soon,v1=" + std::string(64, 'd')}},
       "invalid_signature"},
  };
  for (const Forgery& f : forgeries) {
    CAPTURE(f.what);
    const auto sent = shop.control_webhook(f.request);
    CHECK(status_of(sent) == 400);
    CHECK(code_in(sent) == f.code);
  }
  CHECK(shop.money_events_after(before).empty());
  CHECK(shop.webhook_outcomes(pay).empty());
  CHECK(shop.payment_status(pay) == "processing");

  // The same event, rightly signed, still goes through afterwards.
  const auto genuine = shop.control_webhook({{"raw_body", body}});
  CHECK(status_of(genuine) == 200);
  CHECK(shop.payment_status(pay) == "succeeded");
  CHECK(shop.webhook_outcomes(pay) == std::vector<std::string>{"applied"});
}

TEST_CASE("payments webhooks: an unknown payment is 404 and recorded for the operator") {
  PaymentsShop shop(PayMode::kProviderAway);
  const std::string nobody = "01890a5d-ac96-774b-bcce-b302099a8057";
  const int64_t before = shop.log_position();
  auto sent = shop.send_event("payment.succeeded", {{"payment_id", nobody}, {"amount_cents", 100}},
                              "evt_unknown_1");
  CHECK(status_of(sent) == 404);
  CHECK(code_in(sent) == "not_found");
  CHECK(shop.money_events_after(before).size() == 1);
  json::value last;
  for (const auto& e : shop.events("", before + 1)) {
    if (str(e, "type") == "payment.webhook_received")
      last = e;
  }
  REQUIRE(last.is_object());
  CHECK(str(last, "type") == "payment.webhook_received");
  CHECK(str(last, "stream").starts_with("webhook-"));
  CHECK(str(last.as_object().at("data"), "outcome") == "unknown_payment");
  CHECK(str(last.as_object().at("data"), "provider_event_id") == "evt_unknown_1");
  CHECK(str(last.as_object().at("data"), "payment_id") == nobody);
  // The simulator does not retry a 404.
  CHECK(shop.sim().control("deliveries").size() == 1);
}

TEST_CASE("payments webhooks: a malformed body is refused naming the field, the log unchanged") {
  PaymentsShop shop(PayMode::kProviderAway);
  const std::string pay = processing_payment(shop);
  const int64_t before = shop.log_position();
  struct Bad {
    const char* what;
    std::string raw_body;
    int status;
    const char* code;
    const char* field;  // "" when the answer names none
  };
  const std::string data = R"("data":{"payment_id":")" + pay + R"(","amount_cents":2500})";
  const std::vector<Bad> bad = {
      {"not JSON", "{\"id\":", 400, "malformed_json", ""},
      {"no id", R"({"type":"payment.succeeded","created":1,)" + data + "}", 422,
       "validation_failed", "id"},
      {"an unknown type", R"({"id":"evt_x","type":"payment.exploded","created":1,)" + data + "}",
       422, "validation_failed", "type"},
      {"no created", R"({"id":"evt_x","type":"payment.succeeded",)" + data + "}", 422,
       "validation_failed", "created"},
      {"no data", R"({"id":"evt_x","type":"payment.succeeded","created":1})", 422,
       "validation_failed", "data"},
      {"no amount for payment.succeeded",
       R"({"id":"evt_x","type":"payment.succeeded","created":1,"data":{"payment_id":")" + pay +
           R"("}})",
       422, "validation_failed", "data.amount_cents"},
      {"a payment id that is no id",
       R"({"id":"evt_x","type":"payment.succeeded","created":1,"data":{"payment_id":"pay_1","amount_cents":1}})",
       422, "validation_failed", "data.payment_id"},
      {"no refund_id for refund.succeeded",
       R"({"id":"evt_x","type":"refund.succeeded","created":1,)" + data + "}", 422,
       "validation_failed", "data.refund_id"},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.what);
    const auto sent = shop.control_webhook({{"raw_body", b.raw_body}});
    CHECK(status_of(sent) == b.status);
    CHECK(code_in(sent) == b.code);
    if (*b.field) {
      const auto problem = json::parse(sent.at("body").as_string());
      bool named = false;
      for (const auto& e : problem.at("errors").as_array())
        named = named || str(e, "field") == b.field;
      CHECK_MESSAGE(named, json::serialize(problem));
    }
  }
  CHECK(shop.money_events_after(before).empty());
  CHECK(shop.payment_status(pay) == "processing");
}

TEST_CASE("payments webhooks: the route is 404 without a webhook secret") {
  OrderlyServer server({}, {.log_file = "serve.log"});
  auto c = server.client();
  auto answer = c.request("POST", "/api/payments/webhook", R"({"id":"evt_1"})",
                          {{"Content-Type", "application/json"},
                           {"Orderly-Signature", "t=1,v1=" + std::string(64, 'a')}});
  CHECK(is_problem(answer, 404, "not_found"));
}
