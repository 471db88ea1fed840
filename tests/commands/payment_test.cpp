// The payment rules of commands/payment.h, on plain state: each method in
// each mode, the provider's webhooks (duplicated, out of order, unknown,
// wrong), refunds against what was captured, cancellation and expiry.
#include <doctest/doctest.h>

#include "core/schemas/payment_events_generated.h"
#include "tests/commands/harness.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

namespace {

struct Shop {
  Harness h;
  Uuid user = new_id();
  Uuid cup;

  explicit Shop(bool provider) {
    h.state.payment_provider = provider;
    cup = h.product(1000, 10);
  }
  Uuid pending_order(int64_t quantity = 2) {
    Status st;
    const Uuid o = h.order(user, {{cup, quantity}}, &st);
    REQUIRE(st.is_ok());
    return o;
  }
  Uuid payment_for(const Uuid& order) {
    const Uuid p = new_id();
    REQUIRE(h.run(CreatePayment{p, order}, h.as(user)).is_ok());
    return p;
  }
  Status confirm(const Uuid& p, const std::string& method) {
    return h.run(ConfirmPayment{p, method}, h.as(user));
  }
  Status webhook(const std::string& id, PaymentWebhookType type, const Uuid& p, int64_t amount,
                 std::string refund_id = "") {
    ApplyPaymentWebhook c;
    c.provider_event_id = id;
    c.type = type;
    c.created_s = 1795255200;
    c.payment_id = p;
    c.amount_cents = amount;
    c.refund_id = std::move(refund_id);
    c.dispute_id = "dp_1";
    c.next_action_url = "http://127.0.0.1:9/3ds/pi_1";
    return h.run(c, h.as_engine());
  }
  // The outcome the last command's PaymentWebhookReceived records.
  std::string outcome() const {
    for (size_t i = 0; i < h.emitted(); ++i) {
      if (h.type(i) == EventType::kPaymentWebhookReceived) {
        return h.sink.table<events::PaymentWebhookReceived>(h.first_event + i)->outcome()->str();
      }
    }
    return "";
  }
  const PaymentState& pay(const Uuid& p) const { return h.state.payments.at(p); }
  OrderStatus order_status(const Uuid& o) const { return h.state.orders.at(o).status; }
};

}  // namespace

TEST_CASE("payment inline: ok succeeds and confirms, declined fails, unknown methods are refused") {
  Shop s(false);
  const Uuid o = s.pending_order();
  const Uuid p = s.payment_for(o);
  CHECK(s.confirm(p, "pm_card_bogus").fields().at(0).field == "payment_method");
  REQUIRE(s.confirm(p, "pm_card_declined").is_ok());
  CHECK(s.pay(p).status == PaymentStatus::kFailed);
  CHECK(s.confirm(p, "pm_card_ok").code() == ErrorCode::kInvalidTransition);  // failed is final
  const Uuid q = s.payment_for(o);  // a failed payment leaves room for another
  REQUIRE(s.confirm(q, "pm_card_ok").is_ok());
  CHECK(s.pay(q).status == PaymentStatus::kSucceeded);
  CHECK(s.order_status(o) == OrderStatus::kConfirmed);
  CHECK(s.h.state.orders.at(o).paid_by == q);
}

TEST_CASE("payment inline 3-D Secure: requires_action, a failed check takes another method") {
  Shop s(false);
  const Uuid o = s.pending_order();
  const Uuid p = s.payment_for(o);
  REQUIRE(s.confirm(p, "pm_card_3ds").is_ok());
  CHECK(s.pay(p).status == PaymentStatus::kRequiresAction);
  CHECK(s.h.type(0) == EventType::kPaymentActionRequired);
  CHECK(s.h.sink.table<events::PaymentActionRequired>(s.h.first_event)->next_action_url()->str() ==
        "/pay/3ds?payment_id=" + p.to_string());
  CHECK(s.h.run(AuthenticatePayment{p, true}, s.h.as(new_id())).code() == ErrorCode::kNotFound);
  REQUIRE(s.h.run(AuthenticatePayment{p, false}, s.h.as(s.user)).is_ok());
  CHECK(s.pay(p).status == PaymentStatus::kRequiresPaymentMethod);
  CHECK(s.h.run(AuthenticatePayment{p, true}, s.h.as(s.user)).code() ==
        ErrorCode::kInvalidTransition);
  REQUIRE(s.confirm(p, "pm_card_3ds").is_ok());  // again, from requires_payment_method
  REQUIRE(s.h.run(AuthenticatePayment{p, true}, s.h.as(s.user)).is_ok());
  CHECK(s.pay(p).status == PaymentStatus::kSucceeded);
  CHECK(s.order_status(o) == OrderStatus::kConfirmed);
}

TEST_CASE("payment cash on delivery: confirmed unpaid, succeeds when the cash is collected") {
  Shop s(true);  // the provider is never involved
  const Uuid o = s.pending_order();
  const Uuid p = s.payment_for(o);
  REQUIRE(s.confirm(p, "cash_on_delivery").is_ok());
  CHECK(s.pay(p).status == PaymentStatus::kProcessing);
  CHECK_FALSE(s.pay(p).via_provider);
  CHECK(s.order_status(o) == OrderStatus::kConfirmed);
  // Collected only once shipped, and only by staff.
  CHECK(s.h.run(CapturePayment{p}, s.h.as_admin()).code() == ErrorCode::kInvalidTransition);
  CHECK(s.h.run(CapturePayment{p}, s.h.as(s.user)).code() == ErrorCode::kForbidden);
  REQUIRE(s.h.run(ChangeOrderStatus{o, OrderStatus::kShipped}, s.h.as_admin()).is_ok());
  CHECK(s.h.run(ChangeOrderStatus{o, OrderStatus::kShipped, true}, s.h.as_admin()).code() ==
        ErrorCode::kInvalidTransition);
  REQUIRE(s.h.run(ChangeOrderStatus{o, OrderStatus::kDelivered, true}, s.h.as_admin()).is_ok());
  CHECK(s.h.emitted() == 2);  // delivered and the cash, one commit
  CHECK(s.pay(p).status == PaymentStatus::kSucceeded);
  CHECK(s.h.run(CapturePayment{p}, s.h.as_admin()).code() == ErrorCode::kInvalidTransition);
  // A provider's word on a cash payment is not taken.
  REQUIRE(s.webhook("evt_cod", PaymentWebhookType::kPaymentFailed, p, 0).is_ok());
  CHECK(s.outcome() == "ignored");
}

TEST_CASE("payment cash on delivery: cancelling the order cancels the uncollected payment") {
  Shop s(false);
  const Uuid o = s.pending_order();
  const Uuid p = s.payment_for(o);
  REQUIRE(s.confirm(p, "cash_on_delivery").is_ok());
  REQUIRE(s.h.run(CancelOrder{o}, s.h.as(s.user)).is_ok());
  CHECK(s.pay(p).status == PaymentStatus::kCanceled);
  CHECK(s.pay(p).refunded_cents == 0);  // no money moved, none goes back
}

TEST_CASE("payment provider: processing, then the webhook decides, once per provider event") {
  Shop s(true);
  const Uuid o = s.pending_order();
  const Uuid p = s.payment_for(o);
  REQUIRE(s.confirm(p, "pm_card_ok").is_ok());
  CHECK(s.pay(p).status == PaymentStatus::kProcessing);
  CHECK(s.pay(p).attempts == 1);
  CHECK(s.order_status(o) == OrderStatus::kPending);
  // A forged amount changes nothing but the record.
  REQUIRE(s.webhook("evt_1", PaymentWebhookType::kPaymentSucceeded, p, 1).is_ok());
  CHECK(s.outcome() == "rejected");
  CHECK(s.pay(p).status == PaymentStatus::kProcessing);
  REQUIRE(s.webhook("evt_2", PaymentWebhookType::kPaymentSucceeded, p, 2000).is_ok());
  CHECK(s.outcome() == "applied");
  CHECK(s.pay(p).status == PaymentStatus::kSucceeded);
  CHECK(s.order_status(o) == OrderStatus::kConfirmed);
  const uint32_t version = s.pay(p).version;
  REQUIRE(s.webhook("evt_2", PaymentWebhookType::kPaymentSucceeded, p, 2000).is_ok());
  CHECK(s.outcome() == "duplicate");
  CHECK(s.h.emitted() == 1);  // the record of the duplicate, nothing else
  CHECK(s.pay(p).version == version + 1);
  // Out of order: a failure or an action after the outcome is ignored.
  REQUIRE(s.webhook("evt_3", PaymentWebhookType::kPaymentFailed, p, 0).is_ok());
  CHECK(s.outcome() == "ignored");
  REQUIRE(s.webhook("evt_4", PaymentWebhookType::kPaymentRequiresAction, p, 0).is_ok());
  CHECK(s.outcome() == "ignored");
  CHECK(s.pay(p).status == PaymentStatus::kSucceeded);
  // Only the engine applies webhooks.
  ApplyPaymentWebhook forged;
  forged.provider_event_id = "evt_5";
  forged.payment_id = p;
  CHECK(s.h.run(forged, s.h.as_admin()).code() == ErrorCode::kForbidden);
}

TEST_CASE("payment provider: an unknown payment is recorded on its own stream, replays too") {
  Shop s(true);
  const Uuid ghost = new_id();
  REQUIRE(s.webhook("evt_x", PaymentWebhookType::kPaymentSucceeded, ghost, 100).is_ok());
  CHECK(s.outcome() == "unknown_payment");
  CHECK(s.h.sink.event(s.h.first_event).aggregate == Aggregate::kWebhook);
  CHECK(s.h.state.payments.count(ghost) == 0);
  REQUIRE(s.webhook("evt_x", PaymentWebhookType::kPaymentSucceeded, ghost, 100).is_ok());
  CHECK(s.outcome() == "duplicate");
  CHECK(s.h.state.provider_events.at(provider_event_key("evt_x")).version == 2);
}

TEST_CASE("payment provider: 3-D Secure by webhook, success after expiry is refunded whole") {
  Shop s(true);
  const Uuid o = s.pending_order();
  const Uuid p = s.payment_for(o);
  REQUIRE(s.confirm(p, "pm_card_3ds").is_ok());
  REQUIRE(s.webhook("evt_a", PaymentWebhookType::kPaymentRequiresAction, p, 0).is_ok());
  CHECK(s.pay(p).status == PaymentStatus::kRequiresAction);
  // The engine's own check is not the provider's.
  CHECK(s.h.run(AuthenticatePayment{p, true}, s.h.as(s.user)).code() ==
        ErrorCode::kInvalidTransition);
  // The reservation expires while the customer is at the bank's page: the
  // payment at the provider is left to its webhook.
  s.h.now = s.h.state.orders.at(o).expires_at;
  REQUIRE(s.h.run(ExpireOrder{o}, s.h.as_engine()).is_ok());
  CHECK(s.order_status(o) == OrderStatus::kCancelled);
  CHECK(s.pay(p).status == PaymentStatus::kRequiresAction);
  REQUIRE(s.webhook("evt_b", PaymentWebhookType::kPaymentSucceeded, p, 2000).is_ok());
  CHECK(s.pay(p).status == PaymentStatus::kSucceeded);
  CHECK(s.pay(p).pending_refund_cents == 2000);  // asked back at once
  CHECK(s.pay(p).refunds.at(0).reason == "order_not_payable");
  CHECK(s.order_status(o) == OrderStatus::kCancelled);  // never confirmed
  const std::string refund = s.pay(p).refunds.at(0).id;
  REQUIRE(s.webhook("evt_c", PaymentWebhookType::kRefundSucceeded, p, 2000, refund).is_ok());
  CHECK(s.pay(p).refunded_cents == 2000);
  CHECK(s.pay(p).pending_refund_cents == 0);
  REQUIRE(s.webhook("evt_d", PaymentWebhookType::kRefundSucceeded, p, 2000, refund).is_ok());
  CHECK(s.outcome() == "ignored");  // the same refund again, under a new event id
  CHECK(s.pay(p).refunded_cents == 2000);
}

TEST_CASE("payment provider: refunds never exceed the capture, a failed refund frees its amount") {
  Shop s(true);
  const Uuid o = s.pending_order();
  const Uuid p = s.payment_for(o);
  REQUIRE(s.confirm(p, "pm_card_ok").is_ok());
  REQUIRE(s.webhook("evt_1", PaymentWebhookType::kPaymentSucceeded, p, 2000).is_ok());
  REQUIRE(s.h.run(RefundPayment{p, 1500}, s.h.as_admin()).is_ok());
  CHECK(s.pay(p).pending_refund_cents == 1500);
  // The provider reports a refund made at its dashboard while Orderly's is
  // in flight: only what is left may count.
  REQUIRE(s.webhook("evt_2", PaymentWebhookType::kRefundSucceeded, p, 1000, "re_dash").is_ok());
  CHECK(s.outcome() == "rejected");
  CHECK(s.h.run(RefundPayment{p, 501}, s.h.as_admin()).fields().at(0).field == "amount_cents");
  REQUIRE(s.webhook("evt_3", PaymentWebhookType::kRefundSucceeded, p, 500, "re_dash").is_ok());
  CHECK(s.outcome() == "applied");
  CHECK(s.pay(p).refunded_cents == 500);
  CHECK(s.h.run(RefundPayment{p, 1}, s.h.as_admin()).code() == ErrorCode::kInvalidTransition);
  const std::string ours = s.pay(p).refunds.at(0).id;
  REQUIRE(s.webhook("evt_4", PaymentWebhookType::kRefundFailed, p, 1500, ours).is_ok());
  CHECK(s.pay(p).pending_refund_cents == 0);
  REQUIRE(s.h.run(RefundPayment{p, std::nullopt}, s.h.as_admin()).is_ok());  // the rest, again
  CHECK(s.pay(p).pending_refund_cents == 1500);
  CHECK(s.pay(p).refunds.at(2).id != ours);
}

TEST_CASE("payment: cancelling a paid order refunds it exactly once, in either mode") {
  for (const bool provider : {false, true}) {
    CAPTURE(provider);
    Shop s(provider);
    const Uuid o = s.pending_order();
    const Uuid p = s.payment_for(o);
    REQUIRE(s.confirm(p, "pm_card_ok").is_ok());
    if (provider)
      REQUIRE(s.webhook("evt_1", PaymentWebhookType::kPaymentSucceeded, p, 2000).is_ok());
    REQUIRE(s.h.run(RefundPayment{p, 300}, s.h.as_admin()).is_ok());
    REQUIRE(s.h.run(CancelOrder{o}, s.h.as(s.user)).is_ok());
    const PaymentState& pay = s.pay(p);
    CHECK(pay.refunded_cents + pay.pending_refund_cents == 2000);
    CHECK(pay.refunds.back().reason == "order_cancelled");
    CHECK(pay.refunds.back().amount_cents == 1700);
    CHECK(s.h.run(CancelOrder{o}, s.h.as_admin()).code() == ErrorCode::kInvalidTransition);
    CHECK(s.h.run(RefundPayment{p, std::nullopt}, s.h.as_admin()).code() ==
          ErrorCode::kInvalidTransition);
  }
}

// An admin's refund still at the provider when the order is cancelled,
// finished after it: recorded as the cancellation's, since the order's
// whole total already left revenue (as "admin", the statistics took it off
// a second time; found over HTTP by tests/api/payments/revenue_test.cpp).
TEST_CASE("payment provider: a refund finished after its order was cancelled is order_cancelled") {
  Shop s(true);
  const Uuid o = s.pending_order();
  const Uuid p = s.payment_for(o);
  REQUIRE(s.confirm(p, "pm_card_ok").is_ok());
  REQUIRE(s.webhook("evt_1", PaymentWebhookType::kPaymentSucceeded, p, 2000).is_ok());
  REQUIRE(s.h.run(RefundPayment{p, 300}, s.h.as_admin()).is_ok());
  const std::string admins = s.pay(p).refunds.at(0).id;
  REQUIRE(s.h.run(CancelOrder{o}, s.h.as(s.user)).is_ok());
  const std::string cancels = s.pay(p).refunds.at(1).id;
  auto refunded_reason = [&] {
    for (size_t i = 0; i < s.h.emitted(); ++i) {
      if (s.h.type(i) == EventType::kPaymentRefunded)
        return s.h.sink.table<events::PaymentRefunded>(s.h.first_event + i)->reason()->str();
    }
    return std::string();
  };
  REQUIRE(s.webhook("evt_2", PaymentWebhookType::kRefundSucceeded, p, 300, admins).is_ok());
  CHECK(s.outcome() == "applied");
  CHECK(refunded_reason() == "order_cancelled");
  REQUIRE(s.webhook("evt_3", PaymentWebhookType::kRefundSucceeded, p, 1700, cancels).is_ok());
  CHECK(refunded_reason() == "order_cancelled");
  CHECK(s.pay(p).refunded_cents == 2000);
  // Before any cancellation an admin's refund stays "admin".
  Shop kept(true);
  const Uuid o2 = kept.pending_order();
  const Uuid p2 = kept.payment_for(o2);
  REQUIRE(kept.confirm(p2, "pm_card_ok").is_ok());
  REQUIRE(kept.webhook("evt_1", PaymentWebhookType::kPaymentSucceeded, p2, 2000).is_ok());
  REQUIRE(kept.h.run(RefundPayment{p2, 300}, kept.h.as_admin()).is_ok());
  REQUIRE(kept.webhook("evt_2", PaymentWebhookType::kRefundSucceeded, p2, 300,
                       kept.pay(p2).refunds.at(0).id)
              .is_ok());
  for (size_t i = 0; i < kept.h.emitted(); ++i) {
    if (kept.h.type(i) == EventType::kPaymentRefunded) {
      CHECK(kept.h.sink.table<events::PaymentRefunded>(kept.h.first_event + i)->reason()->str() ==
            "admin");
    }
  }
}

TEST_CASE("payment: an open payment is canceled with its order, and no payment of it is taken") {
  Shop s(false);
  const Uuid o = s.pending_order();
  const Uuid p = s.payment_for(o);
  CHECK(s.h.run(CreatePayment{new_id(), o}, s.h.as(s.user)).code() ==
        ErrorCode::kInvalidTransition);  // one payment in progress per order
  REQUIRE(s.h.run(CancelOrder{o}, s.h.as(s.user)).is_ok());
  CHECK(s.pay(p).status == PaymentStatus::kCanceled);
  CHECK(s.confirm(p, "pm_card_ok").code() == ErrorCode::kInvalidTransition);
  CHECK(s.h.run(CreatePayment{new_id(), o}, s.h.as(s.user)).code() ==
        ErrorCode::kInvalidTransition);
}

TEST_CASE("payment: a dispute is recorded on a succeeded payment only") {
  Shop s(true);
  const Uuid o = s.pending_order();
  const Uuid p = s.payment_for(o);
  REQUIRE(s.webhook("evt_0", PaymentWebhookType::kDisputeCreated, p, 2000).is_ok());
  CHECK(s.outcome() == "ignored");
  REQUIRE(s.confirm(p, "pm_card_ok").is_ok());
  REQUIRE(s.webhook("evt_1", PaymentWebhookType::kPaymentSucceeded, p, 2000).is_ok());
  REQUIRE(s.webhook("evt_2", PaymentWebhookType::kDisputeCreated, p, 2000).is_ok());
  CHECK(s.outcome() == "applied");
  CHECK(s.pay(p).disputed);
}
