// ops/payment_simulator.py, the provider of docs/design/payments.md, run as
// a process: its signer against the C++ verifier, its API (intents,
// refunds, idempotency keys, bearer key), the webhooks it sends to a small
// receiver in the test (signed, retried, duplicated, reordered), the 3-D
// Secure page and the control API.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "api/payments/webhook_signature.h"
#include "tests/api/payments/payment_simulator.h"
#include "tests/api/payments/webhook_receiver.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

using namespace orderly;
using namespace orderly::api::payments;
using testing::HttpClient;
using testing::HttpResult;
using testing::PaymentSimulator;
using testing::WebhookReceiver;
namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr milliseconds kWait = seconds(20);

HttpResult post_intent(const PaymentSimulator& sim, const std::string& key,
                       const std::string& payment_id, const std::string& method,
                       int64_t amount_cents = 1299,
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
  const json::object body{{"payment_id", payment_id},
                          {"attempt", 1},
                          {"amount_cents", amount_cents},
                          {"currency", "USD"},
                          {"payment_method", method},
                          {"return_url", "http://127.0.0.1:1/#/orders/o-" + payment_id}};
  headers.emplace_back("Idempotency-Key", key);
  headers.emplace_back("Content-Type", "application/json");
  return sim.client().request("POST", "/v1/payment_intents", json::serialize(body), headers);
}

HttpResult post_refund(const PaymentSimulator& sim, const std::string& key,
                       const std::string& payment_id, const std::string& refund_id,
                       int64_t amount_cents) {
  const json::object body{
      {"payment_id", payment_id}, {"refund_id", refund_id}, {"amount_cents", amount_cents}};
  return sim.client().request("POST", "/v1/refunds", json::serialize(body),
                              {{"Idempotency-Key", key}, {"Content-Type", "application/json"}});
}

int64_t now_s() {
  return static_cast<int64_t>(std::time(nullptr));
}

// The webhook's body, checked to be signed with the simulator's secret.
json::object signed_event(const WebhookReceiver::Call& call) {
  CHECK(call.method == "POST");
  CHECK(call.target == "/api/payments/webhook");
  const Status verified =
      verify_webhook(call.signature, call.body, {PaymentSimulator::kSecret}, now_s());
  CHECK_MESSAGE(verified.is_ok(), verified.to_string());
  return json::parse(call.body).as_object();
}

std::string type_of(const WebhookReceiver::Call& call) {
  return std::string(json::parse(call.body).at("type").as_string());
}

}  // namespace

TEST_CASE("payments simulator: sign agrees with the C++ signer and verifier") {
  testing::TempDir dir;
  const std::string body =
      "{\"id\":\"evt_x\",\"type\":\"payment.succeeded\",\"data\":{\"note\":\"caf\xc3\xa9\"}}";
  std::ofstream(dir.sub("body"), std::ios::binary) << body;
  std::ofstream(dir.sub("one")) << "whsec_cross_check_one_0123\n";
  std::ofstream(dir.sub("two")) << "whsec_cross_check_new_4567\n\n  whsec_cross_check_one_0123 \n";
  const int64_t t = 1765432100;
  auto sign_with = [&](const std::string& file) {
    auto run = testing::run_command({ORDERLY_PYTHON, ORDERLY_PAYMENT_SIMULATOR, "sign",
                                     "--secret-file", dir.sub(file), "--timestamp",
                                     std::to_string(t), "--body-file", dir.sub("body")});
    REQUIRE(run.exit_code == 0);
    std::string header = run.output;
    while (!header.empty() && header.back() == '\n')
      header.pop_back();
    return header;
  };
  const std::string one = sign_with("one");
  CHECK(one == "t=1765432100,v1=" + sign_webhook("whsec_cross_check_one_0123", t, body));
  CHECK(verify_webhook(one, body, {"whsec_cross_check_one_0123"}, t).is_ok());
  CHECK(verify_webhook(one, body, {"whsec_someone_else_0123456"}, t).code() ==
        ErrorCode::kInvalidSignature);
  CHECK(verify_webhook(one, body + "x", {"whsec_cross_check_one_0123"}, t).code() ==
        ErrorCode::kInvalidSignature);
  // A file of two secrets (a rotation) signs with both, in file order.
  const std::string two = sign_with("two");
  CHECK(two == signature_header_value({"whsec_cross_check_new_4567", "whsec_cross_check_one_0123"},
                                      t, body));
  CHECK(verify_webhook(two, body, {"whsec_cross_check_one_0123"}, t).is_ok());
  CHECK(verify_webhook(two, body, {"whsec_cross_check_new_4567"}, t).is_ok());
}

TEST_CASE("payments simulator: one intent per Idempotency-Key, succeeded by a signed webhook") {
  WebhookReceiver receiver;
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:50", "--seed", "1"});
  const HttpResult first = post_intent(sim, "pay-1:1", "pay-1", "pm_card_ok", 4321);
  REQUIRE(first.status == 200);
  const std::string intent_id(first.json().at("id").as_string());
  CHECK(intent_id.starts_with("pi_"));
  CHECK(first.header("idempotent-replayed").empty());
  const HttpResult again = post_intent(sim, "pay-1:1", "pay-1", "pm_card_ok", 4321);
  REQUIRE(again.status == 200);
  CHECK(again.body == first.body);
  CHECK(again.header("idempotent-replayed") == "true");
  // The same key with another amount is not the same call.
  CHECK(post_intent(sim, "pay-1:1", "pay-1", "pm_card_ok", 1).status == 422);

  const auto calls = receiver.wait_for(1, kWait);
  REQUIRE(calls.size() >= 1);
  const json::object event = signed_event(calls[0]);
  CHECK(event.at("type") == "payment.succeeded");
  CHECK(std::string(event.at("id").as_string()).starts_with("evt_"));
  CHECK(event.at("created").as_int64() >= now_s() - 60);
  CHECK(event.at("data") == json::object{{"payment_id", "pay-1"}, {"amount_cents", 4321}});
  // The body is the plan's shape, keys in its order, compact.
  CHECK(calls[0].body.starts_with("{\"id\":\"evt_"));
  CHECK(calls[0].body.find(",\"type\":\"payment.succeeded\",\"created\":") != std::string::npos);

  const json::array intents = sim.control("intents");
  REQUIRE(intents.size() == 1);
  CHECK(intents[0].at("id") == intent_id.c_str());
  CHECK(intents[0].at("idempotency_key") == "pay-1:1");
  CHECK(intents[0].at("amount_cents") == 4321);
  CHECK(intents[0].at("requests") == 2);
  REQUIRE(testing::poll_until([&] { return sim.control("deliveries").size() == 1; }, kWait,
                              milliseconds(20)));
  const json::array deliveries = sim.control("deliveries");
  CHECK(deliveries[0].at("id") == event.at("id"));
  CHECK(deliveries[0].at("type") == "payment.succeeded");
  CHECK(deliveries[0].at("payment_id") == "pay-1");
  CHECK(deliveries[0].at("status") == 200);
  CHECK(receiver.calls().size() == 1);
  CHECK(sim.stop() == 0);  // SIGTERM: a clean stop
}

TEST_CASE("payments simulator: a declined card fails and 3-D Secure waits for its page") {
  WebhookReceiver receiver;
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:0"});
  REQUIRE(post_intent(sim, "declined:1", "declined", "pm_card_declined", 500).status == 200);
  auto calls = receiver.wait_for(1, kWait);
  REQUIRE(calls.size() == 1);
  json::object event = signed_event(calls[0]);
  CHECK(event.at("type") == "payment.failed");
  CHECK(event.at("data") == json::object{{"payment_id", "declined"},
                                         {"amount_cents", 500},
                                         {"reason", "card_declined"}});

  const HttpResult intent = post_intent(sim, "3ds:1", "3ds", "pm_card_3ds", 700);
  REQUIRE(intent.status == 200);
  const std::string intent_id(intent.json().at("id").as_string());
  calls = receiver.wait_for(2, kWait);
  REQUIRE(calls.size() == 2);
  event = signed_event(calls[1]);
  CHECK(event.at("type") == "payment.requires_action");
  const std::string page_url = sim.url() + "/3ds/" + intent_id;
  CHECK(event.at("data").at("next_action_url") == page_url.c_str());
  CHECK(event.at("data").at("amount_cents") == 700);

  const HttpResult page = sim.client().request("GET", "/3ds/" + intent_id);
  CHECK(page.status == 200);
  CHECK(page.header("content-type").starts_with("text/html"));
  CHECK(page.body.find("action=\"/3ds/" + intent_id + "/approve\"") != std::string::npos);
  CHECK(page.body.find("action=\"/3ds/" + intent_id + "/fail\"") != std::string::npos);
  CHECK(sim.client().request("GET", "/3ds/pi_unknown").status == 404);

  const HttpResult approved = sim.client().request("POST", "/3ds/" + intent_id + "/approve");
  CHECK(approved.status == 303);
  CHECK(approved.header("location") == "http://127.0.0.1:1/#/orders/o-3ds");
  calls = receiver.wait_for(3, kWait);
  REQUIRE(calls.size() == 3);
  event = signed_event(calls[2]);
  CHECK(event.at("type") == "payment.succeeded");
  CHECK(event.at("data") == json::object{{"payment_id", "3ds"}, {"amount_cents", 700}});
  // A second answer on the page redirects again and sends nothing.
  CHECK(sim.client().request("POST", "/3ds/" + intent_id + "/fail").status == 303);

  // Failing the check is payment.failed.
  const HttpResult other = post_intent(sim, "3ds-b:1", "3ds-b", "pm_card_3ds", 800);
  const std::string other_id(other.json().at("id").as_string());
  REQUIRE(receiver.wait_for(4, kWait).size() == 4);
  CHECK(sim.client().request("POST", "/3ds/" + other_id + "/fail").status == 303);
  calls = receiver.wait_for(5, kWait);
  REQUIRE(calls.size() == 5);
  event = signed_event(calls[4]);
  CHECK(event.at("type") == "payment.failed");
  CHECK(event.at("data").at("reason") == "authentication_failed");
  CHECK(event.at("data").at("payment_id") == "3ds-b");
  CHECK(receiver.calls().size() == 5);
}

TEST_CASE("payments simulator: refunds succeed by webhook and never exceed the capture") {
  WebhookReceiver receiver;
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:0"});
  REQUIRE(post_intent(sim, "r:1", "r", "pm_card_ok", 1000).status == 200);
  REQUIRE(receiver.wait_for(1, kWait).size() == 1);
  const HttpResult refund = post_refund(sim, "ref-1", "r", "ref-1", 600);
  REQUIRE(refund.status == 200);
  CHECK(std::string(refund.json().at("id").as_string()).starts_with("re_"));
  CHECK(post_refund(sim, "ref-1", "r", "ref-1", 600).body == refund.body);
  const HttpResult too_much = post_refund(sim, "ref-2", "r", "ref-2", 401);
  CHECK(too_much.status == 400);
  CHECK(too_much.json().at("error").at("code") == "amount_too_large");
  const auto calls = receiver.wait_for(2, kWait);
  REQUIRE(calls.size() == 2);
  const json::object event = signed_event(calls[1]);
  CHECK(event.at("type") == "refund.succeeded");
  CHECK(event.at("data") ==
        json::object{{"payment_id", "r"}, {"refund_id", "ref-1"}, {"amount_cents", 600}});
  const json::array refunds = sim.control("refunds");
  REQUIRE(refunds.size() == 1);
  CHECK(refunds[0].at("refund_id") == "ref-1");
  CHECK(refunds[0].at("idempotency_key") == "ref-1");
  CHECK(refunds[0].at("requests") == 2);
}

TEST_CASE("payments simulator: --decline-all fails every intent and refund") {
  WebhookReceiver receiver;
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:0", "--decline-all"});
  REQUIRE(post_intent(sim, "d:1", "d", "pm_card_ok", 1000).status == 200);
  REQUIRE(post_refund(sim, "d-ref", "d", "d-ref", 10).status == 200);
  const auto calls = receiver.wait_for(2, kWait);
  REQUIRE(calls.size() == 2);
  CHECK(type_of(calls[0]) == "payment.failed");
  CHECK(signed_event(calls[0]).at("data").at("reason") == "card_declined");
  CHECK(type_of(calls[1]) == "refund.failed");
}

TEST_CASE("payments simulator: bad calls and a missing bearer key are refused") {
  WebhookReceiver receiver;
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:0"});
  auto code_of = [](const HttpResult& r) {
    return std::string(r.json().at("error").at("code").as_string());
  };
  HttpClient c = sim.client();
  const HttpResult no_key = c.request("POST", "/v1/payment_intents", "{}");
  CHECK(no_key.status == 400);
  CHECK(code_of(no_key) == "idempotency_key_missing");
  const HttpResult not_json =
      c.request("POST", "/v1/payment_intents", "{", {{"Idempotency-Key", "a"}});
  CHECK(not_json.status == 400);
  CHECK(code_of(not_json) == "malformed_json");
  for (
      const std::string body :
      {R"({"payment_id":"p","attempt":1,"amount_cents":0,"currency":"USD","payment_method":"pm_card_ok","return_url":"http://x/"})",
       R"({"payment_id":"p","attempt":1,"amount_cents":true,"currency":"USD","payment_method":"pm_card_ok","return_url":"http://x/"})",
       R"({"payment_id":"p","attempt":0,"amount_cents":5,"currency":"USD","payment_method":"pm_card_ok","return_url":"http://x/"})",
       R"({"payment_id":"","attempt":1,"amount_cents":5,"currency":"USD","payment_method":"pm_card_ok","return_url":"http://x/"})",
       R"({"payment_id":"p","attempt":1,"amount_cents":5,"currency":"usd","payment_method":"pm_card_ok","return_url":"http://x/"})",
       R"({"payment_id":"p","attempt":1,"amount_cents":5,"currency":"USD","payment_method":"pm_cash","return_url":"http://x/"})",
       R"({"payment_id":"p","attempt":1,"amount_cents":5,"currency":"USD","payment_method":"pm_card_ok","return_url":"javascript:x"})"}) {
    CAPTURE(body);
    const HttpResult bad =
        c.request("POST", "/v1/payment_intents", body, {{"Idempotency-Key", body}});
    CHECK(bad.status == 400);
    CHECK(code_of(bad) == "validation_failed");
  }
  CHECK(sim.control("intents").empty());
  CHECK(c.request("POST", "/v1/nothing", "{}", {{"Idempotency-Key", "a"}}).status == 404);

  // With an API key, the bearer is required and checked.
  std::ofstream(sim.dir().sub("api.key")) << "sk_test_simulator_key\n";
  WebhookReceiver keyed_receiver;
  PaymentSimulator keyed(keyed_receiver.url(),
                         {"--delay-ms", "0:0", "--api-key-file", sim.dir().sub("api.key")});
  HttpResult refused = post_intent(keyed, "k:1", "k", "pm_card_ok");
  CHECK(refused.status == 401);
  CHECK(code_of(refused) == "unauthorized");
  refused = post_intent(keyed, "k:1", "k", "pm_card_ok", 1299,
                        {{"Authorization", "Bearer sk_test_simulator_kex"}});
  CHECK(refused.status == 401);
  CHECK(post_intent(keyed, "k:1", "k", "pm_card_ok", 1299,
                    {{"Authorization", "Bearer sk_test_simulator_key"}})
            .status == 200);
  CHECK(keyed.control("intents").size() == 1);
}

TEST_CASE("payments simulator: a refused webhook is retried with backoff") {
  WebhookReceiver receiver;
  PaymentSimulator sim(receiver.url(),
                       {"--delay-ms", "0:0", "--retry-base-ms", "20", "--max-attempts", "4"});
  receiver.answer_next({500, 503, 400});
  REQUIRE(post_intent(sim, "retry:1", "retry", "pm_card_ok").status == 200);
  auto calls = receiver.wait_for(4, kWait);
  REQUIRE(calls.size() == 4);
  // The same event each time, signed afresh.
  for (const auto& call : calls) {
    CHECK(call.body == calls[0].body);
    signed_event(call);
  }
  REQUIRE(testing::poll_until([&] { return sim.control("deliveries").size() == 4; }, kWait,
                              milliseconds(20)));
  json::array deliveries = sim.control("deliveries");
  for (int i = 0; i < 4; ++i) {
    CHECK(deliveries[i].at("attempt") == i + 1);
    CHECK(deliveries[i].at("status") == std::vector<int>{500, 503, 400, 200}[i]);
  }

  // Backoff: each wait doubles the one before (20, 40, 80 ms at least).
  for (int i = 1; i < 4; ++i) {
    const double gap = deliveries[i].at("sent_at").to_number<double>() -
                       deliveries[i - 1].at("sent_at").to_number<double>();
    CHECK(gap >= 0.02 * (1 << (i - 1)) - 0.001);
  }
}

TEST_CASE("payments simulator: a webhook answered 404 is not retried") {
  WebhookReceiver receiver;
  // Retries would be due at once, so one would come before the next event.
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:0", "--retry-base-ms", "0"});
  receiver.answer_next({404, 500});
  REQUIRE(post_intent(sim, "gone:1", "gone", "pm_card_ok").status == 200);
  REQUIRE(receiver.wait_for(1, kWait).size() == 1);
  REQUIRE(post_intent(sim, "after:1", "after", "pm_card_ok").status == 200);
  auto calls = receiver.wait_for(3, kWait);
  REQUIRE(calls.size() == 3);
  CHECK(signed_event(calls[0]).at("data").at("payment_id") == "gone");
  // "after" answered 500, then retried: "gone" never came again.
  CHECK(signed_event(calls[1]).at("data").at("payment_id") == "after");
  CHECK(signed_event(calls[2]).at("data").at("payment_id") == "after");
}

TEST_CASE("payments simulator: chaos repeats events and sends a later one first") {
  SUBCASE("a duplicate is the same event signed again") {
    WebhookReceiver receiver;
    PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:30", "--duplicate-rate", "1"});
    REQUIRE(post_intent(sim, "dup:1", "dup", "pm_card_ok").status == 200);
    const auto calls = receiver.wait_for(2, kWait);
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].body == calls[1].body);
    signed_event(calls[0]);
    signed_event(calls[1]);
    REQUIRE(testing::poll_until([&] { return sim.control("deliveries").size() == 2; }, kWait,
                                milliseconds(20)));
    const json::array deliveries = sim.control("deliveries");
    CHECK(deliveries[0].at("duplicate") == false);
    CHECK(deliveries[1].at("duplicate") == true);
  }
  SUBCASE("two events due for one payment are sent in reverse order") {
    WebhookReceiver receiver;
    // Both wait a full second, so the refund is scheduled while the
    // payment's outcome still waits.
    PaymentSimulator sim(receiver.url(), {"--delay-ms", "1000:1000", "--reorder-rate", "1"});
    REQUIRE(post_intent(sim, "ro:1", "ro", "pm_card_ok", 900).status == 200);
    REQUIRE(post_refund(sim, "ro-ref", "ro", "ro-ref", 900).status == 200);
    const auto calls = receiver.wait_for(2, kWait);
    REQUIRE(calls.size() == 2);
    CHECK(type_of(calls[0]) == "refund.succeeded");
    CHECK(type_of(calls[1]) == "payment.succeeded");
  }
  SUBCASE("without reordering they keep their order") {
    WebhookReceiver receiver;
    PaymentSimulator sim(receiver.url(), {"--delay-ms", "1000:1000"});
    REQUIRE(post_intent(sim, "io:1", "io", "pm_card_ok", 900).status == 200);
    REQUIRE(post_refund(sim, "io-ref", "io", "io-ref", 900).status == 200);
    const auto calls = receiver.wait_for(2, kWait);
    REQUIRE(calls.size() == 2);
    CHECK(type_of(calls[0]) == "payment.succeeded");
    CHECK(type_of(calls[1]) == "refund.succeeded");
  }
}

TEST_CASE("payments simulator: the control API sends custom and forged webhooks") {
  WebhookReceiver receiver;
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:0"});
  HttpClient c = sim.client();
  receiver.answer_next({409});
  HttpResult sent =
      c.request("POST", "/_control/webhook",
                R"({"type":"charge.dispute.created","id":"evt_dispute_1","created":1765000000,)"
                R"("data":{"payment_id":"p","dispute_id":"dp_1","amount_cents":5}})");
  REQUIRE(sent.status == 200);
  // The engine's answer, as it came.
  CHECK(sent.json().at("status") == 409);
  CHECK(sent.json().at("body") == R"({"outcome":"test-409"})");
  CHECK(sent.json().at("event_id") == "evt_dispute_1");
  auto calls = receiver.wait_for(1, kWait);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].body ==
        R"({"id":"evt_dispute_1","type":"charge.dispute.created","created":1765000000,)"
        R"("data":{"payment_id":"p","dispute_id":"dp_1","amount_cents":5}})");
  signed_event(calls[0]);

  // Another secret and an old timestamp: signed, but not by us, and stale.
  sent = c.request("POST", "/_control/webhook",
                   R"({"type":"payment.succeeded","data":{"payment_id":"p","amount_cents":5},)"
                   R"("secret":"whsec_forger_0123456789","timestamp":1000})");
  REQUIRE(sent.status == 200);
  calls = receiver.wait_for(2, kWait);
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].signature.starts_with("t=1000,v1="));
  CHECK(
      verify_webhook(calls[1].signature, calls[1].body, {PaymentSimulator::kSecret}, 1000).code() ==
      ErrorCode::kInvalidSignature);
  CHECK(verify_webhook(calls[1].signature, calls[1].body, {"whsec_forger_0123456789"}, now_s())
            .code() == ErrorCode::kStaleWebhook);

  // Exactly the bytes and header given, or no header at all.
  sent =
      c.request("POST", "/_control/webhook", R"({"raw_body":"not json","signature":"t=1,v1=ab"})");
  REQUIRE(sent.status == 200);
  sent = c.request("POST", "/_control/webhook", R"({"raw_body":"{}","signature":null})");
  REQUIRE(sent.status == 200);
  calls = receiver.wait_for(4, kWait);
  REQUIRE(calls.size() == 4);
  CHECK(calls[2].body == "not json");
  CHECK(calls[2].signature == "t=1,v1=ab");
  CHECK(calls[3].body == "{}");
  CHECK_FALSE(calls[3].has_signature);
  const json::array deliveries = sim.control("deliveries");
  REQUIRE(deliveries.size() == 4);
  CHECK(deliveries[0].at("control") == true);
  CHECK(deliveries[0].at("status") == 409);
  CHECK(deliveries[0].at("type") == "charge.dispute.created");

  CHECK(c.request("POST", "/_control/webhook", R"({"type":"x","data":5})").status == 400);

  // Webhooks can be sent elsewhere (an engine restarted on another port).
  WebhookReceiver other;
  sim.send_webhooks_to(other.url());
  REQUIRE(post_intent(sim, "moved:1", "moved", "pm_card_ok").status == 200);
  const auto moved = other.wait_for(1, kWait);
  REQUIRE(moved.size() == 1);
  CHECK(signed_event(moved[0]).at("data").at("payment_id") == "moved");
  CHECK(receiver.calls().size() == 4);
  CHECK(c.request("POST", "/_control/webhook-url", R"({"url":"ftp://x"})").status == 400);
}
