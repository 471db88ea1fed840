// Issue 23, "the whole lifecycle for each payment method" over HTTP, in
// both modes: the engine deciding cards itself (inline) and the engine
// with a provider, the real simulator process, whose webhooks decide.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <string>

#include "tests/api/payments/payments_shop.h"
#include "tests/support/problem.h"

using namespace orderly::testing;

namespace {

// The next_action_url the payment's last payment.requires_action event
// carries.
std::string next_action_url(PaymentsShop& shop, const std::string& payment_id) {
  const auto actions = shop.payment_events(payment_id, "payment.requires_action");
  REQUIRE(!actions.empty());
  return str(actions.back().as_object().at("data"), "next_action_url");
}

// The path of a URL on the simulator ("http://127.0.0.1:P/3ds/x" -> "/3ds/x").
std::string path_on(const PaymentSimulator& sim, const std::string& url) {
  REQUIRE(url.starts_with(sim.url()));
  return url.substr(sim.url().size());
}

// Confirms with a card and brings it to its first answer: inline the
// confirm's own, with a provider the webhook the simulator sends for the
// intent the dispatcher posts.
void confirm_card(PaymentsShop& shop, const std::string& payment_id, const std::string& method,
                  const std::string& expected, int64_t attempt = 1) {
  auto confirmed = shop.confirm(payment_id, method);
  REQUIRE_MESSAGE(confirmed.status == 200, confirmed.body);
  const std::string answered = str(confirmed.json().as_object().at("payment"), "status");
  if (shop.mode() == PayMode::kInline) {
    CHECK(answered == expected);
    return;
  }
  CHECK(answered == "processing");
  // The dispatcher's intent, as the provider protocol has it.
  shop.wait_intent(payment_id);
  const auto intent = shop.intents_of(payment_id).back();
  CHECK(str(intent, "idempotency_key") == payment_id + ":" + std::to_string(attempt));
  CHECK(num(intent, "amount_cents") == PaymentsShop::kPrice);
  CHECK(str(intent, "payment_method") == method);
  CHECK(str(intent, "currency") == "USD");
  CHECK_MESSAGE(shop.wait_payment_status(payment_id, expected), shop.payment_status(payment_id));
}

// The 3-D Secure step: inline POST /authenticate, with a provider the
// simulator's page (GET, then its approve or fail form).
void authenticate(PaymentsShop& shop, const std::string& payment_id, bool approve) {
  const std::string url = next_action_url(shop, payment_id);
  const std::string expected = approve ? "succeeded" : "requires_payment_method";
  if (shop.mode() == PayMode::kInline) {
    CHECK(url.find(payment_id) != std::string::npos);
    auto done = shop.c().send(
        "POST", "/api/payments/" + payment_id + "/authenticate", shop.customer.access_token,
        json::serialize(json::object{{"result", approve ? "approve" : "fail"}}));
    REQUIRE_MESSAGE(done.status == 200, done.body);
    CHECK(str(done.json().as_object().at("payment"), "status") == expected);
    return;
  }
  HttpClient sim = shop.sim().client();
  const std::string page = path_on(shop.sim(), url);
  auto shown = sim.request("GET", page);
  REQUIRE(shown.status == 200);
  CHECK(shown.body.find(payment_id) != std::string::npos);
  // The inline check is the engine's only: with a provider it is refused.
  auto inline_try = shop.c().send("POST", "/api/payments/" + payment_id + "/authenticate",
                                  shop.customer.access_token, R"({"result":"approve"})");
  CHECK(is_problem(inline_try, 409, "invalid_transition"));
  auto answered = sim.request("POST", page + (approve ? "/approve" : "/fail"));
  CHECK(answered.status == 303);
  CHECK(answered.header("location").find("/#/orders/") != std::string::npos);
  // A failed check is a failed payment at the provider (payment.failed).
  CHECK_MESSAGE(shop.wait_payment_status(payment_id, approve ? "succeeded" : "failed"),
                shop.payment_status(payment_id));
}

void lifecycle_of_each_method(PayMode mode) {
  PaymentsShop shop(mode);
  CAPTURE(mode_name(mode));

  SUBCASE("pm_card_ok: succeeded, the order confirmed, refunds up to the amount") {
    const std::string order = shop.place_order();
    const std::string pay = shop.create_payment(order);
    CHECK(shop.payment_status(pay) == "requires_confirmation");
    confirm_card(shop, pay, "pm_card_ok", "succeeded");
    CHECK(shop.order_status(order) == "confirmed");
    auto again = shop.confirm(pay, "pm_card_ok");
    CHECK(is_problem(again, 409, "invalid_transition"));
    auto too_much = shop.refund(pay, PaymentsShop::kPrice + 1);
    CHECK(is_problem(too_much, 422, "validation_failed"));
    auto part = shop.refund(pay, 1000);
    REQUIRE_MESSAGE(part.status == 200, part.body);
    // What is left, at the provider or not, is 1500.
    CHECK(is_problem(shop.refund(pay, PaymentsShop::kPrice - 999), 422, "validation_failed"));
    if (mode == PayMode::kProvider) {
      // Sent by the dispatcher, counted at the provider's refund.succeeded.
      CHECK(shop.wait_refunds_settled(pay));
      const auto sent = shop.sim().control("refunds");
      REQUIRE(sent.size() == 1);
      CHECK(num(sent[0], "amount_cents") == 1000);
      CHECK(str(sent[0], "idempotency_key") == str(sent[0], "refund_id"));
    }
    CHECK(num(shop.payment(pay), "refunded_cents") == 1000);
    CHECK(shop.payment_status(pay) == "partially_refunded");
  }

  SUBCASE("pm_card_declined: failed, the order still pending, then a new payment succeeds") {
    const std::string order = shop.place_order();
    const std::string declined = shop.create_payment(order);
    confirm_card(shop, declined, "pm_card_declined", "failed");
    CHECK(shop.order_status(order) == "pending");
    CHECK(is_problem(shop.confirm(declined, "pm_card_ok"), 409, "invalid_transition"));
    const std::string second = shop.create_payment(order);
    CHECK(second != declined);
    confirm_card(shop, second, "pm_card_ok", "succeeded");
    CHECK(shop.order_status(order) == "confirmed");
  }

  SUBCASE("pm_card_3ds approved: requires_action with a next_action_url, then succeeded") {
    const std::string order = shop.place_order();
    const std::string pay = shop.create_payment(order);
    confirm_card(shop, pay, "pm_card_3ds", "requires_action");
    CHECK(shop.order_status(order) == "pending");
    authenticate(shop, pay, true);
    CHECK(shop.order_status(order) == "confirmed");
  }

  SUBCASE("pm_card_3ds failed: the order stays pending and can be paid again") {
    const std::string order = shop.place_order();
    const std::string pay = shop.create_payment(order);
    confirm_card(shop, pay, "pm_card_3ds", "requires_action");
    authenticate(shop, pay, false);
    CHECK(shop.order_status(order) == "pending");
    if (mode == PayMode::kInline) {
      // requires_payment_method: the same payment takes another method.
      confirm_card(shop, pay, "pm_card_ok", "succeeded");
    } else {
      const std::string second = shop.create_payment(order);
      confirm_card(shop, second, "pm_card_ok", "succeeded");
    }
    CHECK(shop.order_status(order) == "confirmed");
  }

  SUBCASE("cash_on_delivery: confirmed unpaid, captured once shipped") {
    const std::string order = shop.place_order();
    const std::string pay = shop.create_payment(order);
    auto confirmed = shop.confirm(pay, "cash_on_delivery");
    REQUIRE_MESSAGE(confirmed.status == 200, confirmed.body);
    CHECK(str(confirmed.json().as_object().at("payment"), "status") == "processing");
    CHECK(shop.order_status(order) == "confirmed");
    // Nothing was sent to the provider, and a card webhook cannot pay it.
    if (mode == PayMode::kProvider) {
      CHECK(shop.sim().control("intents").empty());
    }
    auto forged = shop.send_event("payment.succeeded",
                                  {{"payment_id", pay}, {"amount_cents", PaymentsShop::kPrice}});
    CHECK(num(forged, "status") == 200);
    CHECK(shop.webhook_outcomes(pay) == std::vector<std::string>{"rejected"});
    CHECK(shop.payment_status(pay) == "processing");
    // Capture: only admins, only once shipped.
    auto by_owner =
        shop.c().send("POST", "/api/payments/" + pay + "/capture", shop.customer.access_token);
    CHECK(is_problem(by_owner, 403, "forbidden"));
    auto early =
        shop.c().send("POST", "/api/payments/" + pay + "/capture", shop.admin.access_token);
    CHECK(is_problem(early, 409, "invalid_transition"));
    REQUIRE(shop.set_order_status(order, "shipped").status == 200);
    auto captured =
        shop.c().send("POST", "/api/payments/" + pay + "/capture", shop.admin.access_token);
    REQUIRE_MESSAGE(captured.status == 200, captured.body);
    CHECK(str(captured.json().as_object().at("payment"), "status") == "succeeded");
    auto twice =
        shop.c().send("POST", "/api/payments/" + pay + "/capture", shop.admin.access_token);
    CHECK(is_problem(twice, 409, "invalid_transition"));
    CHECK(shop.payment_events(pay, "payment.succeeded").size() == 1);
  }

  SUBCASE("cash_on_delivery: captured by delivered with cash_collected") {
    const std::string order = shop.place_order();
    const std::string pay = shop.create_payment(order);
    REQUIRE(shop.confirm(pay, "cash_on_delivery").status == 200);
    REQUIRE(shop.set_order_status(order, "shipped").status == 200);
    auto delivered = shop.set_order_status(order, "delivered", true);
    REQUIRE_MESSAGE(delivered.status == 200, delivered.body);
    CHECK(str(delivered.json().as_object().at("order"), "status") == "delivered");
    CHECK(shop.payment_status(pay) == "succeeded");
    CHECK(shop.payment_events(pay, "payment.succeeded").size() == 1);
  }

  SUBCASE("cash_on_delivery: cash_collected without such a payment is refused") {
    const std::string order = shop.place_order();
    const std::string pay = shop.create_payment(order);
    confirm_card(shop, pay, "pm_card_ok", "succeeded");
    REQUIRE(shop.set_order_status(order, "shipped").status == 200);
    auto wrong = shop.set_order_status(order, "delivered", true);
    CHECK(is_problem(wrong, 422, "validation_failed"));
    CHECK(shop.order_status(order) == "shipped");
  }

  SUBCASE("cash_on_delivery: a cancelled order cancels the unpaid payment") {
    const std::string order = shop.place_order();
    const std::string pay = shop.create_payment(order);
    REQUIRE(shop.confirm(pay, "cash_on_delivery").status == 200);
    auto cancelled =
        shop.c().send("POST", "/api/orders/" + order + "/cancel", shop.customer.access_token);
    REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
    CHECK(shop.payment_status(pay) == "canceled");
    CHECK(shop.payment_events(pay, "payment.refunded").empty());
  }
}

}  // namespace

TEST_CASE("payments lifecycle inline: each method over http") {
  lifecycle_of_each_method(PayMode::kInline);
}

TEST_CASE("payments lifecycle with the provider simulator: each method over http") {
  lifecycle_of_each_method(PayMode::kProvider);
}
