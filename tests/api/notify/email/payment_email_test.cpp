// The payment emails against a real SMTP server (aiosmtpd), with a server
// in provider mode whose outcomes come by signed webhook: a payment that
// failed for good mails its customer a link to pay again; every refund
// says why in words (a payment that arrived after its order was cancelled,
// one made at the provider); a dispute mails every active admin, once each,
// and asking again mails nobody twice.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/account_mail.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/payment_requests.h"
#include "tests/support/services.h"
#include "tests/support/shop_requests.h"

using namespace orderly::testing;

namespace {

constexpr const char* kPublicUrl = "http://shop.example";

// The messages to `to` that hold `needle`, once at least `n` of them arrived.
std::vector<std::string> wait_for_mail(const SmtpSink& smtp, const std::string& to,
                                       const std::string& needle, size_t n) {
  return wait_for_messages([&] { return messages_to(smtp.messages(), to, needle); }, n,
                           std::chrono::seconds(60));
}

// Ada's order paid through the provider (processing): {order, payment, amount}.
struct Paying {
  std::string order, payment;
  int64_t amount = 0;
};
Paying paying(HttpClient& c, const Session& who, const std::string& product) {
  Paying p;
  p.order = place_order(c, who, product);
  p.payment = make_payment(c, who, p.order);
  const json::object confirmed = confirm_payment(c, who, p.payment, "pm_card_ok");
  REQUIRE(str(confirmed, "status") == "processing");
  p.amount = confirmed.at("amount_cents").as_int64();
  return p;
}

}  // namespace

TEST_CASE("email: payment failed, refunds in words, a dispute to every active admin once") {
  TempDir mail;
  SmtpSink smtp(mail.sub("maildir"));
  smtp.start();
  TempDir secrets;
  // No per-recipient bucket: Ada gets more than its burst of emails here.
  OrderlyServer server({"--smtp-url", smtp.url(), "--public-url", kPublicUrl,
                        "--email-recipient-rate", "0", "--payment-provider-url",
                        "http://127.0.0.1:1", "--payment-webhook-secret-file",
                        webhook_secret_file(secrets)});
  HttpClient c = server.client();
  const Session root = server.admin();
  const Session ada = server.register_user("ada");
  const Session bea = server.register_user("bea");
  const Session cid = server.register_user("cid");
  for (const Session* staff : {&bea, &cid}) {
    REQUIRE(c.send("PUT", "/api/admin/users/" + staff->id + "/role", root.access_token,
                   R"({"role":"admin"})")
                .status == 200);
  }
  REQUIRE(c.send("POST", "/api/admin/users/" + cid.id + "/deactivate", root.access_token).status ==
          200);
  const std::string cup = product_id(c, "espresso");

  // Failed for good: the customer is told, with the order's page to pay again.
  const Paying declined = paying(c, ada, cup);
  REQUIRE(post_webhook(c, provider_event("evt_f", "payment.failed", declined.payment, 0)).status ==
          200);
  auto failed = wait_for_mail(smtp, "ada@example.com", "did not go through", 1);
  REQUIRE(failed.size() == 1);
  CHECK(qp_decoded(failed[0]).find(std::string(kPublicUrl) + "/#/orders/" + declined.order) !=
        std::string::npos);

  // Captured after the customer cancelled: refunded whole, and said so.
  const Paying late = paying(c, ada, cup);
  REQUIRE(c.send("POST", "/api/orders/" + late.order + "/cancel", ada.access_token).status == 200);
  REQUIRE(post_webhook(c, provider_event("evt_s1", "payment.succeeded", late.payment, late.amount))
              .status == 200);
  const json::object held = get_payment(c, ada, late.payment);
  const auto& refund = held.at("refunds").as_array().at(0).as_object();
  CHECK(str(refund, "reason") == "order_not_payable");
  CHECK(str(refund, "status") == "pending");
  REQUIRE(post_webhook(c, provider_event("evt_r1", "refund.succeeded", late.payment, late.amount,
                                         {{"refund_id", str(refund, "id")}}))
              .status == 200);
  CHECK(wait_for_mail(smtp, "ada@example.com", "Your payment arrived after the order was cancelled",
                      1)
            .size() == 1);

  // Paid, then refunded in part at the provider, then disputed.
  const Paying paid = paying(c, ada, cup);
  REQUIRE(post_webhook(c, provider_event("evt_s2", "payment.succeeded", paid.payment, paid.amount))
              .status == 200);
  REQUIRE(post_webhook(c, provider_event("evt_r2", "refund.succeeded", paid.payment, 100,
                                         {{"refund_id", "re_made_at_provider"}}))
              .status == 200);
  CHECK(wait_for_mail(smtp, "ada@example.com", "The refund was made at our payment provider", 1)
            .size() == 1);
  REQUIRE(post_webhook(c, provider_event("evt_d", "charge.dispute.created", paid.payment, 250,
                                         {{"dispute_id", "dp_1"}, {"reason", "fraudulent"}}))
              .status == 200);
  for (const char* admin : {"admin@example.com", "bea@example.com"}) {
    auto disputed = wait_for_mail(smtp, admin, "Dispute opened", 1);
    REQUIRE(disputed.size() == 1);
    const std::string text = qp_decoded(disputed[0]);
    CHECK(text.find("fraudulent") != std::string::npos);
    CHECK(text.find("the customer ada disputed") != std::string::npos);
  }

  // Asking again for the dispute's emails records nothing new.
  const auto events =
      c.send("GET", "/api/admin/events?type=payment.disputed", root.access_token).json();
  const int64_t position =
      events.as_object().at("items").as_array().at(0).as_object().at("position").as_int64();
  auto again = c.send("POST", "/api/admin/notifications", root.access_token,
                      R"({"source_position":)" + std::to_string(position) + "}");
  REQUIRE(again.status == 200);
  CHECK(again.json().as_object().at("created").as_bool() == false);
  CHECK(messages_to(smtp.messages(), "cid@example.com", "Dispute opened").empty());
  CHECK(messages_to(smtp.messages(), "admin@example.com", "Dispute opened").size() == 1);
  CHECK(messages_to(smtp.messages(), "bea@example.com", "Dispute opened").size() == 1);
  // Each once.
  CHECK(messages_to(smtp.messages(), "ada@example.com", "did not go through").size() == 1);
}
