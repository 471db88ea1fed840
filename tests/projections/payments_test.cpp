// The payments read model and the orders' payment fields, from logs the real
// writer wrote in both modes: each payment's history, the lists, the
// unknown-payment deliveries, snapshots (and their damage) and rebuilds.
#include <doctest/doctest.h>

#include <algorithm>

#include "projections/orders.h"
#include "projections/payments.h"
#include "tests/projections/folding.h"
#include "tests/projections/pay_shop.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

namespace {

using Hook = PaymentWebhookType;

// Folded by hand, through a snapshot, and again from the log: the same rows.
void check_rebuilds(PayShop& shop, const PaymentsReadModel& live) {
  auto loaded = through_snapshot(live);
  PaymentsReadModel again;
  apply_log(*shop.store, {&again});
  auto sorted = [](const Projection& m) {
    ReaderLock lock(m.mutex());
    Rows rows = m.rows();
    std::sort(rows.begin(), rows.end());  // hash order differs between maps
    return rows;
  };
  CHECK(sorted(*loaded) == sorted(live));
  CHECK(sorted(again) == sorted(live));
}

}  // namespace

TEST_CASE("payments read model: inline history, 3-D Secure, declines, refunds and the order") {
  PayShop shop(false);
  const Uuid o = shop.order(2);  // 2000
  const Uuid declined = shop.payment(o);
  shop.confirm(declined, "pm_card_declined");
  const Uuid p = shop.payment(o);
  shop.confirm(p, "pm_card_3ds");
  shop.run(AuthenticatePayment{p, false}, shop.customer);  // the bank said no: try again
  shop.advance(1'000'000);
  shop.confirm(p, "pm_card_3ds");
  {
    PaymentsReadModel model;
    apply_log(*shop.store, {&model});
    const PaymentRow row = model.get(p.to_string()).value();
    CHECK(row.status == "requires_action");
    CHECK(row.next_action_url == "/pay/3ds?payment_id=" + p.to_string());
    REQUIRE(row.attempts.size() == 2);
    CHECK(row.attempts[0].status == "failed");
    CHECK(row.attempts[1].status == "requires_action");
    CHECK(row.attempts[1].at == row.attempts[0].at + 1'000'000);
  }
  shop.run(AuthenticatePayment{p, true}, shop.customer);
  shop.run(RefundPayment{p, 500}, shop.admin);

  PaymentsReadModel model;
  OrdersReadModel orders;
  apply_log(*shop.store, {&model, &orders});
  const PaymentRow row = model.get(p.to_string()).value();
  CHECK(row.status == "partially_refunded");
  CHECK(row.payment_method == "pm_card_3ds");
  CHECK(row.next_action_url.empty());  // only while the action is required
  CHECK(row.failure_reason.empty());   // the failed check's is on its attempt
  CHECK(row.refunded_cents == 500);
  REQUIRE(row.attempts.size() == 2);
  CHECK(row.attempts[0].attempt == 1);
  CHECK(row.attempts[1].attempt == 2);
  CHECK(row.attempts[1].status == "succeeded");
  REQUIRE(row.refunds.size() == 1);
  CHECK(row.refunds[0].status == "succeeded");
  CHECK(row.refunds[0].reason == "admin");
  CHECK(row.refunds[0].amount_cents == 500);
  CHECK(row.refunds[0].finished_at != 0);
  CHECK(model.get(declined.to_string())->status == "failed");
  CHECK(model.get(declined.to_string())->attempts.at(0).payment_method == "pm_card_declined");

  // The order shows the payment that paid it, not the declined one.
  CHECK(orders.get(o.to_string())->payment_status == "partially_refunded");
  CHECK_FALSE(orders.get(o.to_string())->disputed);
  const Uuid unpaid = shop.order();
  OrdersReadModel later;
  apply_log(*shop.store, {&later});
  CHECK(later.get(unpaid.to_string())->payment_status.empty());  // no payment: absent

  // Lists: newest first, filtered.
  PaymentFilter mine;
  mine.user_id = shop.customer.actor.to_string();
  auto page = model.list(mine, 1, 20);
  CHECK(page.total == 2);
  CHECK(ids_of(page) == std::vector<std::string>{p.to_string(), declined.to_string()});
  PaymentFilter failed = mine;
  failed.status = "failed";
  CHECK(ids_of(model.list(failed, 1, 20)) == std::vector<std::string>{declined.to_string()});
  PaymentFilter stranger;
  stranger.user_id = new_id().to_string();
  CHECK(model.list(stranger, 1, 20).total == 0);
  PaymentFilter by_order;
  by_order.order_id = o.to_string();
  CHECK(model.list(by_order, 1, 1).total == 2);
  CHECK(model.list(by_order, 2, 1).items.at(0).id == declined.to_string());
  PaymentFilter window;
  window.from = PayShop::kStart + PayShop::kDay;  // tomorrow on: none
  CHECK(model.list(window, 1, 20).total == 0);
  window.from = PayShop::kStart;
  window.to = PayShop::kStart + 1;
  CHECK(model.list(window, 1, 20).total == 2);
  check_rebuilds(shop, model);
}

TEST_CASE("payments read model: provider webhooks, refunds pending then done or failed, disputes") {
  PayShop shop(true);
  const Uuid o = shop.order(3);  // 3000
  const Uuid p = shop.payment(o);
  shop.confirm(p, "pm_card_3ds");
  shop.webhook(Hook::kPaymentRequiresAction, p, 0);
  shop.webhook(Hook::kPaymentSucceeded, p, 3000);
  shop.run(RefundPayment{p, 1000}, shop.admin);  // asked of the provider
  {
    PaymentsReadModel model;
    apply_log(*shop.store, {&model});
    const PaymentRow row = model.get(p.to_string()).value();
    CHECK(row.status == "succeeded");
    CHECK(row.pending_refund_cents == 1000);
    REQUIRE(row.refunds.size() == 1);
    CHECK(row.refunds[0].status == "pending");
    CHECK(row.refunds[0].finished_at == 0);
  }
  PaymentsReadModel first;
  apply_log(*shop.store, {&first});
  const std::string refund = first.get(p.to_string())->refunds.at(0).id;
  shop.webhook(Hook::kRefundSucceeded, p, 1000, refund);
  shop.run(RefundPayment{p, 500}, shop.admin);
  PaymentsReadModel second;
  apply_log(*shop.store, {&second});
  const std::string failing = second.get(p.to_string())->refunds.at(1).id;
  shop.webhook(Hook::kRefundFailed, p, 500, failing);
  shop.webhook(Hook::kRefundSucceeded, p, 200, "re_at_provider");  // made at the provider
  shop.webhook(Hook::kDisputeCreated, p, 1800, "", "fraudulent");
  shop.webhook(Hook::kPaymentFailed, p, 0);              // after the outcome: ignored, recorded
  shop.webhook(Hook::kPaymentSucceeded, new_id(), 100);  // no such payment

  PaymentsReadModel model;
  OrdersReadModel orders;
  apply_log(*shop.store, {&model, &orders});
  const PaymentRow row = model.get(p.to_string()).value();
  CHECK(row.status == "partially_refunded");
  CHECK(row.refunded_cents == 1200);
  CHECK(row.pending_refund_cents == 0);
  CHECK(row.disputed);
  REQUIRE(row.attempts.size() == 1);  // one submission: processing, 3-D Secure, success
  CHECK(row.attempts[0].status == "succeeded");
  REQUIRE(row.refunds.size() == 3);
  CHECK(row.refunds[0].status == "succeeded");
  CHECK(row.refunds[1].status == "failed");
  CHECK(row.refunds[2].id == "re_at_provider");
  CHECK(row.refunds[2].reason == "provider");
  CHECK(row.refunds[2].status == "succeeded");
  REQUIRE(row.disputes.size() == 1);
  CHECK(row.disputes[0].amount_cents == 1800);
  CHECK(row.disputes[0].reason == "fraudulent");
  REQUIRE(row.webhooks.size() == 7);
  CHECK(row.webhooks[0].type == "payment.requires_action");
  CHECK(row.webhooks[0].outcome == "applied");
  CHECK(row.webhooks[6].outcome == "ignored");
  CHECK_FALSE(row.webhooks[6].detail.empty());
  auto unknown = model.unknown_webhooks(1, 20);
  REQUIRE(unknown.total == 1);
  CHECK(unknown.items[0].outcome == "unknown_payment");
  CHECK(unknown.items[0].provider_event_id == "evt_8");
  CHECK(orders.get(o.to_string())->payment_status == "partially_refunded");
  CHECK(orders.get(o.to_string())->disputed);
  auto o_loaded = through_snapshot(orders);
  CHECK(o_loaded->get(o.to_string())->disputed);
  check_rebuilds(shop, model);
}

TEST_CASE(
    "payments read model: a late capture on an expired order, refunded as order_not_payable") {
  PayShop shop(true);
  const Uuid o = shop.order(2);
  const Uuid late = shop.payment(o);
  shop.confirm(late, "pm_card_ok");  // at the provider
  CommandMeta later = shop.engine;
  later.now = PayShop::kStart + PayShop::kDay;
  shop.run(ExpireOrder{o}, later);
  shop.webhook(Hook::kPaymentSucceeded, late, 2000);  // the order cannot be paid any more
  PaymentsReadModel model;
  OrdersReadModel orders;
  apply_log(*shop.store, {&model, &orders});
  const PaymentRow row = model.get(late.to_string()).value();
  CHECK(row.status == "succeeded");
  CHECK(row.pending_refund_cents == 2000);
  REQUIRE(row.refunds.size() == 1);
  CHECK(row.refunds[0].reason == "order_not_payable");
  CHECK(row.refunds[0].status == "pending");
  CHECK(orders.get(o.to_string())->status == "cancelled");
  CHECK(orders.get(o.to_string())->payment_status == "succeeded");
  shop.webhook(Hook::kRefundSucceeded, late, 2000, row.refunds[0].id);
  OrdersReadModel after;
  apply_log(*shop.store, {&after});
  CHECK(after.get(o.to_string())->payment_status == "refunded");
  CHECK(after.stats(shop.customer.actor.to_string()).total_spent_cents == 0);
}

TEST_CASE("payments read model: the unknown-payment deliveries keep the newest 1000") {
  PayShop shop(true);
  for (int i = 0; i < 1002; ++i)
    shop.webhook(Hook::kPaymentSucceeded, new_id(), 100);
  PaymentsReadModel model;
  apply_log(*shop.store, {&model});
  auto first = model.unknown_webhooks(1, 100);
  CHECK(first.total == 1000);
  CHECK(first.items.at(0).provider_event_id == "evt_1002");  // newest first
  CHECK(model.unknown_webhooks(10, 100).items.back().provider_event_id == "evt_3");
  check_rebuilds(shop, model);
}

TEST_CASE("payments read model: a damaged or older snapshot is refused whole") {
  PayShop shop(false);
  const Uuid p = shop.payment(shop.order());
  shop.confirm(p, "pm_card_ok");
  PaymentsReadModel model;
  apply_log(*shop.store, {&model});
  BinaryWriter out;
  {
    ReaderLock lock(model.mutex());
    model.save(out);
  }
  const std::string bytes = out.take();
  auto refused = [](std::string damaged) {
    PaymentsReadModel m;
    BinaryReader in(damaged);
    WriterLock lock(m.mutex());
    const Status st = m.load(in);
    return !st.is_ok() && m.rows().size() == 1;  // cleared: only the empty unknown list
  };
  CHECK(refused(bytes.substr(0, bytes.size() - 3)));  // cut short
  std::string old = bytes;
  old[0] = 1;  // format 1
  CHECK(refused(old));
  // The payment's status byte: after the format, the count, the key and
  // the seven strings.
  size_t at = 4 + 4 + 16;
  for (int i = 0; i < 7; ++i) {
    const uint32_t n = static_cast<uint8_t>(bytes[at]) | static_cast<uint8_t>(bytes[at + 1]) << 8;
    at += 4 + n;
  }
  std::string bad_status = bytes;
  bad_status[at] = 99;
  CHECK(refused(bad_status));
  std::string good = bytes;
  PaymentsReadModel m;
  BinaryReader in(good);
  WriterLock lock(m.mutex());
  CHECK(m.load(in).is_ok());
}
