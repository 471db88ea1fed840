// The payments read over HTTP against a real `orderly serve` (inline mode,
// with a webhook secret so the provider's deliveries are recorded): a
// payment's whole history, the lists (a customer's own, an admin's with
// filters), the unknown-payment deliveries, and the order's payment fields.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/payment_requests.h"
#include "tests/support/problem.h"
#include "tests/support/shop_requests.h"

using namespace orderly::testing;

namespace {

// A query answered once the read models have what `last` wrote.
struct Reader {
  HttpClient& c;
  std::string position = "0";

  void saw(const HttpResult& r) {
    const std::string p = r.header("x-log-position");
    if (!p.empty() && std::stoll(p) > std::stoll(position))
      position = p;
  }
  HttpResult get(const std::string& target, const Session& who) {
    return c.send("GET", target, who.access_token, "", {{"X-Min-Position", position}});
  }
  json::object payment(const std::string& id, const Session& who) {
    auto r = get("/api/payments/" + id, who);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return r.json().as_object().at("payment").as_object();
  }
  json::object order(const std::string& id, const Session& who) {
    auto r = get("/api/orders/" + id, who);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return r.json().as_object().at("order").as_object();
  }
  // The ids a list answers, in its order.
  std::vector<std::string> ids(const std::string& target, const Session& who) {
    auto r = get(target, who);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    std::vector<std::string> out;
    const json::value listed = r.json();
    for (const auto& p : listed.as_object().at("items").as_array())
      out.push_back(str(p, "id"));
    return out;
  }
};

}  // namespace

TEST_CASE("payments read: history, lists with filters, unknown deliveries, the order's fields") {
  TempDir secrets;
  OrderlyServer server({"--payment-webhook-secret-file", webhook_secret_file(secrets)});
  HttpClient c = server.client();
  Reader read{c};
  const Session admin = server.admin();
  const Session ada = server.register_user("ada");
  const Session bea = server.register_user("bea");
  const std::string cup = product_id(c, "espresso");
  auto post = [&](const std::string& target, const Session& who, const std::string& body) {
    auto r = c.send("POST", target, who.access_token, body);
    REQUIRE_MESSAGE(r.status < 300, std::string(target + ": " + r.body));
    read.saw(r);
    return r;
  };

  // Ada: declined, then 3-D Secure approved, then refunded in part.
  const std::string first = place_order(c, ada, cup, 2);
  const std::string declined = make_payment(c, ada, first);
  CHECK(str(confirm_payment(c, ada, declined, "pm_card_declined"), "status") == "failed");
  const std::string paid = make_payment(c, ada, first);
  const json::object asked = confirm_payment(c, ada, paid, "pm_card_3ds");
  CHECK(str(asked, "status") == "requires_action");
  CHECK(str(asked, "next_action_url") == "/pay/3ds?payment_id=" + paid);
  post("/api/payments/" + paid + "/authenticate", ada, R"({"result":"approve"})");
  post("/api/payments/" + paid + "/refund", admin, R"({"amount_cents":100})");
  json::object p = read.payment(paid, ada);
  CHECK(str(p, "id") == paid);
  CHECK(str(p, "order_id") == first);
  CHECK(str(p, "status") == "partially_refunded");
  CHECK(str(p, "payment_method") == "pm_card_3ds");
  CHECK_FALSE(p.contains("next_action_url"));  // only while the action is required
  CHECK(p.at("refunded_cents").as_int64() == 100);
  CHECK(p.at("pending_refund_cents").as_int64() == 0);
  CHECK(p.at("disputed").as_bool() == false);
  const auto& attempts = p.at("attempts").as_array();
  REQUIRE(attempts.size() == 1);
  CHECK(str(attempts[0], "status") == "succeeded");
  CHECK(attempts[0].as_object().at("attempt").as_int64() == 1);
  const auto& refunds = p.at("refunds").as_array();
  REQUIRE(refunds.size() == 1);
  CHECK(str(refunds[0], "reason") == "admin");
  CHECK(str(refunds[0], "status") == "succeeded");
  CHECK(refunds[0].as_object().at("amount_cents").as_int64() == 100);
  CHECK(str(read.payment(declined, ada), "status") == "failed");
  CHECK(read.get("/api/payments/" + paid, bea).status == 404);  // not hers

  // Cash on delivery: processing until the cash is collected.
  const std::string second = place_order(c, ada, cup);
  const std::string cash = make_payment(c, ada, second);
  CHECK(str(confirm_payment(c, ada, cash, "cash_on_delivery"), "status") == "processing");
  CHECK(str(read.order(second, ada), "payment_status") == "processing");
  auto shipped = c.send("PUT", "/api/orders/" + second + "/status", admin.access_token,
                        R"({"status":"shipped"})");
  REQUIRE(shipped.status == 200);
  post("/api/payments/" + cash + "/capture", admin, "");
  json::object collected = read.payment(cash, ada);
  CHECK(str(collected, "status") == "succeeded");
  REQUIRE(collected.at("attempts").as_array().size() == 1);
  CHECK(str(collected.at("attempts").as_array()[0], "payment_method") == "cash_on_delivery");
  CHECK(str(collected.at("attempts").as_array()[0], "status") == "succeeded");

  // Bea's payment, made and not confirmed; an order with no payment at all.
  const std::string beas_order = place_order(c, bea, cup);
  const std::string beas = make_payment(c, bea, beas_order);
  const std::string unpaid = place_order(c, bea, cup);
  CHECK_FALSE(read.order(unpaid, bea).contains("payment_status"));
  CHECK_FALSE(read.order(unpaid, bea).contains("disputed"));

  // A dispute and the provider's deliveries, signed.
  auto disputed =
      post_webhook(c, provider_event("evt_d1", "charge.dispute.created", paid, 500,
                                     {{"dispute_id", "dp_1"}, {"reason", "fraudulent"}}));
  REQUIRE_MESSAGE(disputed.status == 200, disputed.body);
  read.saw(disputed);
  auto replayed = post_webhook(
      c, provider_event("evt_d1", "charge.dispute.created", paid, 500, {{"dispute_id", "dp_1"}}));
  REQUIRE(replayed.status == 200);
  read.saw(replayed);
  const std::string stranger = "0192f0c1-7e4a-7000-8000-000000000abc";
  auto unknown = post_webhook(c, provider_event("evt_u1", "payment.succeeded", stranger, 100));
  CHECK(is_problem(unknown, 404, "not_found"));
  read.saw(unknown);
  p = read.payment(paid, admin);
  CHECK(p.at("disputed").as_bool());
  const auto& disputes = p.at("disputes").as_array();
  REQUIRE(disputes.size() == 1);
  CHECK(str(disputes[0], "id") == "dp_1");
  CHECK(str(disputes[0], "reason") == "fraudulent");
  CHECK(disputes[0].as_object().at("amount_cents").as_int64() == 500);
  const auto& hooks = p.at("webhooks").as_array();
  REQUIRE(hooks.size() == 2);
  CHECK(str(hooks[0], "provider_event_id") == "evt_d1");
  CHECK(str(hooks[0], "type") == "charge.dispute.created");
  CHECK(str(hooks[0], "outcome") == "applied");
  CHECK(str(hooks[1], "outcome") == "duplicate");
  const json::object o = read.order(first, ada);
  CHECK(str(o, "payment_status") == "partially_refunded");  // the paying one, not the declined
  CHECK(o.at("disputed").as_bool());

  // The unknown-payment deliveries: for admins.
  auto deliveries = read.get("/api/admin/payments/webhooks", admin);
  REQUIRE(deliveries.status == 200);
  const json::value listed = deliveries.json();
  const auto& items = listed.as_object().at("items").as_array();
  REQUIRE(items.size() == 1);
  CHECK(str(items[0], "provider_event_id") == "evt_u1");
  CHECK(str(items[0], "payment_id") == stranger);
  CHECK(str(items[0], "outcome") == "unknown_payment");
  CHECK(listed.as_object().at("total").as_int64() == 1);
  CHECK(is_problem(read.get("/api/admin/payments/webhooks", ada), 403, "forbidden"));

  // Lists: newest first; a customer sees her own whatever user_id says.
  const std::vector<std::string> adas{cash, paid, declined};
  CHECK(read.ids("/api/payments", ada) == adas);
  CHECK(read.ids("/api/payments?user_id=" + bea.id, ada) == adas);
  CHECK(read.ids("/api/payments", bea) == std::vector<std::string>{beas});
  CHECK(read.ids("/api/payments?user_id=" + bea.id, admin) == std::vector<std::string>{beas});
  CHECK(read.ids("/api/payments", admin).size() == 4);
  CHECK(read.ids("/api/payments?status=failed", admin) == std::vector<std::string>{declined});
  CHECK(read.ids("/api/payments?status=requires_confirmation", admin) ==
        std::vector<std::string>{beas});
  CHECK(read.ids("/api/payments?order_id=" + first, admin) ==
        std::vector<std::string>{paid, declined});
  CHECK(read.ids("/api/payments?from=2000-01-01&to=2000-01-02", admin).empty());
  CHECK(read.ids("/api/payments?from=2000-01-01T00:00:00Z", admin).size() == 4);
  auto page = read.get("/api/payments?per_page=1&page=2", ada);
  REQUIRE(page.status == 200);
  CHECK(page.json().as_object().at("total").as_int64() == 3);
  CHECK(page.json().as_object().at("per_page").as_int64() == 1);
  CHECK(str(page.json().as_object().at("items").as_array().at(0), "id") == paid);
  CHECK(is_problem(read.get("/api/payments?status=paid", admin), 422, "validation_failed"));
  CHECK(is_problem(read.get("/api/payments?from=yesterday", ada), 422, "validation_failed"));
  CHECK(is_problem(read.get("/api/payments?from=2026-11-22&to=2026-11-21", ada), 422,
                   "validation_failed"));
  CHECK(read.get("/api/payments", Session{}).status == 401);
}
