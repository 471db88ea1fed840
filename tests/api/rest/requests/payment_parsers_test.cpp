// The provider webhook's body parser (api/rest/requests/payments.h
// payment_webhook_from): each type's required members, provider ids,
// next_action_url, and members the provider adds ignored.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "api/rest/requests/payments.h"
#include "tests/api/rest/requests/parser_test_helpers.h"

using namespace orderly;
using namespace orderly::testing;
using orderly::api::rest::requests::payment_webhook_from;
using orderly::commands::PaymentWebhookType;
namespace json = boost::json;

namespace {

constexpr const char* kPayment = "0192f0c1-0000-7000-8000-000000000001";

// A webhook of `type` with `data`; id and created set.
json::object event(const std::string& type, json::object data) {
  return {{"id", "evt_1"}, {"type", type}, {"created", 1'700'000'000}, {"data", std::move(data)}};
}

// The fields a refusal of `body` names.
std::vector<std::string> refused(const json::object& body) {
  auto parsed = payment_webhook_from(body);
  REQUIRE_FALSE(parsed.is_ok());
  CHECK(parsed.status().code() == ErrorCode::kInvalidArgument);
  return fields_of(parsed.status());
}

}  // namespace

TEST_CASE("payment webhook parser: each type with its members") {
  struct Case {
    const char* type;
    json::object data;
    PaymentWebhookType expected;
  };
  const std::vector<Case> cases = {
      {"payment.succeeded",
       {{"payment_id", kPayment}, {"amount_cents", 2500}},
       PaymentWebhookType::kPaymentSucceeded},
      {"payment.failed",
       {{"payment_id", kPayment}, {"reason", "card_declined"}},
       PaymentWebhookType::kPaymentFailed},
      {"payment.requires_action",
       {{"payment_id", kPayment}, {"next_action_url", "http://127.0.0.1:9/3ds/pi_1"}},
       PaymentWebhookType::kPaymentRequiresAction},
      {"refund.succeeded",
       {{"payment_id", kPayment}, {"refund_id", "re_1"}, {"amount_cents", 700}},
       PaymentWebhookType::kRefundSucceeded},
      {"refund.failed",
       {{"payment_id", kPayment},
        {"refund_id", "re_1"},
        {"amount_cents", 700},
        {"reason", "refund_declined"}},
       PaymentWebhookType::kRefundFailed},
      {"charge.dispute.created",
       {{"payment_id", kPayment},
        {"dispute_id", "dp_1"},
        {"amount_cents", 2500},
        {"reason", "fraudulent"}},
       PaymentWebhookType::kDisputeCreated},
  };
  for (const Case& c : cases) {
    CAPTURE(c.type);
    auto parsed = payment_webhook_from(event(c.type, c.data));
    REQUIRE_MESSAGE(parsed.is_ok(), parsed.status().to_string());
    CHECK(parsed->type == c.expected);
    CHECK(parsed->provider_event_id == "evt_1");
    CHECK(parsed->created_s == 1'700'000'000);
    CHECK(parsed->payment_id.to_string() == kPayment);
    CHECK(parsed->amount_cents ==
          (c.data.contains("amount_cents") ? c.data.at("amount_cents").to_number<int64_t>() : 0));
    CHECK(parsed->refund_id ==
          (c.data.contains("refund_id") ? std::string(c.data.at("refund_id").as_string()) : ""));
    CHECK(parsed->dispute_id ==
          (c.data.contains("dispute_id") ? std::string(c.data.at("dispute_id").as_string()) : ""));
    CHECK(parsed->reason ==
          (c.data.contains("reason") ? std::string(c.data.at("reason").as_string()) : ""));
    CHECK(parsed->next_action_url == (c.data.contains("next_action_url")
                                          ? std::string(c.data.at("next_action_url").as_string())
                                          : ""));
  }
}

TEST_CASE("payment webhook parser: the members each type requires") {
  CHECK(refused(event("payment.succeeded", {{"payment_id", kPayment}})) ==
        std::vector<std::string>{"data.amount_cents"});
  CHECK(refused(event("payment.requires_action", {{"payment_id", kPayment}})) ==
        std::vector<std::string>{"data.next_action_url"});
  CHECK(refused(event("refund.succeeded", {{"payment_id", kPayment}})) ==
        std::vector<std::string>{"data.amount_cents", "data.refund_id"});
  CHECK(refused(event("refund.failed", {{"payment_id", kPayment}, {"amount_cents", 1}})) ==
        std::vector<std::string>{"data.refund_id"});
  CHECK(refused(event("charge.dispute.created", {{"payment_id", kPayment}})) ==
        std::vector<std::string>{"data.amount_cents", "data.dispute_id"});
  // payment.failed needs only the payment.
  CHECK(payment_webhook_from(event("payment.failed", {{"payment_id", kPayment}})).is_ok());
  for (const char* type : {"payment.succeeded", "payment.failed", "payment.requires_action",
                           "refund.succeeded", "refund.failed", "charge.dispute.created"}) {
    CAPTURE(type);
    const auto names = refused(event(type, {{"amount_cents", 1}}));
    CHECK(std::find(names.begin(), names.end(), "data.payment_id") != names.end());
  }
}

TEST_CASE("payment webhook parser: the envelope's members") {
  const json::object data{{"payment_id", kPayment}, {"amount_cents", 1}};
  CHECK(refused(json::object{}) == std::vector<std::string>{"id", "type", "created", "data"});
  auto no_id = event("payment.succeeded", data);
  no_id.erase("id");
  CHECK(refused(no_id) == std::vector<std::string>{"id"});
  CHECK(refused(event("payment.exploded", data)) == std::vector<std::string>{"type"});
  CHECK(refused(event("Payment.Succeeded", data)) == std::vector<std::string>{"type"});
  auto typed_number = event("payment.succeeded", data);
  typed_number["type"] = 1;
  CHECK(refused(typed_number) == std::vector<std::string>{"type"});
  auto negative = event("payment.succeeded", data);
  negative["created"] = -1;
  CHECK(refused(negative) == std::vector<std::string>{"created"});
  auto text_time = event("payment.succeeded", data);
  text_time["created"] = "1700000000";
  CHECK(refused(text_time) == std::vector<std::string>{"created"});
  auto data_array = event("payment.succeeded", data);
  data_array["data"] = json::array{};
  CHECK(refused(data_array) == std::vector<std::string>{"data"});
  CHECK(refused(event("payment.succeeded", {{"payment_id", kPayment}, {"amount_cents", -1}})) ==
        std::vector<std::string>{"data.amount_cents"});
  CHECK(refused(event("payment.succeeded", {{"payment_id", kPayment}, {"amount_cents", "1"}})) ==
        std::vector<std::string>{"data.amount_cents"});
}

TEST_CASE("payment webhook parser: bad ids are refused") {
  const json::object data{{"payment_id", kPayment}, {"amount_cents", 1}};
  for (const json::value& id :
       {json::value(""), json::value("evt 1"), json::value("evt\t1"), json::value("évt_1"),
        json::value(std::string(256, 'e')), json::value(7)}) {
    CAPTURE(json::serialize(id));
    auto e = event("payment.succeeded", data);
    e["id"] = id;
    CHECK(refused(e) == std::vector<std::string>{"id"});
  }
  auto longest = event("payment.succeeded", data);
  longest["id"] = std::string(255, 'e');
  CHECK(payment_webhook_from(longest).is_ok());
  for (const char* payment : {"pay_1", "", "0192f0c1-0000-7000-8000-00000000000"}) {
    CAPTURE(payment);
    CHECK(refused(event("payment.succeeded", {{"payment_id", payment}, {"amount_cents", 1}})) ==
          std::vector<std::string>{"data.payment_id"});
  }
  CHECK(refused(event("refund.succeeded",
                      {{"payment_id", kPayment}, {"refund_id", "re 1"}, {"amount_cents", 1}})) ==
        std::vector<std::string>{"data.refund_id"});
  CHECK(refused(event("charge.dispute.created", {{"payment_id", kPayment},
                                                 {"dispute_id", std::string(256, 'd')},
                                                 {"amount_cents", 1}})) ==
        std::vector<std::string>{"data.dispute_id"});
}

TEST_CASE("payment webhook parser: next_action_url must be an http or https URL") {
  for (const char* url : {"https://pay.example/3ds/pi_1", "http://127.0.0.1:9/3ds/pi_1"}) {
    CAPTURE(url);
    auto parsed = payment_webhook_from(
        event("payment.requires_action", {{"payment_id", kPayment}, {"next_action_url", url}}));
    REQUIRE(parsed.is_ok());
    CHECK(parsed->next_action_url == url);
  }
  for (const char* url : {"javascript:alert(1)", "ftp://pay.example/x", "/3ds/pi_1",
                          "https://pay.example/a b", "https://pay.example/\x01", ""}) {
    CAPTURE(url);
    CHECK(refused(event("payment.requires_action",
                        {{"payment_id", kPayment}, {"next_action_url", url}})) ==
          std::vector<std::string>{"data.next_action_url"});
  }
  CHECK(refused(event("payment.requires_action",
                      {{"payment_id", kPayment},
                       {"next_action_url", "https://pay.example/" + std::string(2048, 'x')}})) ==
        std::vector<std::string>{"data.next_action_url"});
}

TEST_CASE("payment webhook parser: members the provider adds are ignored") {
  auto e = event("payment.succeeded", {{"payment_id", kPayment},
                                       {"amount_cents", 2500},
                                       {"currency", "USD"},
                                       {"livemode", false},
                                       {"metadata", {{"order", "o_1"}}}});
  e["api_version"] = "2026-11-01";
  e["object"] = "event";
  e["request"] = nullptr;
  auto parsed = payment_webhook_from(e);
  REQUIRE_MESSAGE(parsed.is_ok(), parsed.status().to_string());
  CHECK(parsed->amount_cents == 2500);
  // A member a type does not use is carried but not required.
  auto extra = payment_webhook_from(
      event("payment.failed", {{"payment_id", kPayment}, {"refund_id", "re_ignored"}}));
  REQUIRE(extra.is_ok());
  CHECK(extra->type == PaymentWebhookType::kPaymentFailed);
}
