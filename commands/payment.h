// Payment: paying one order, with a test card, a card through the payment
// provider, or cash on delivery (docs/design/payments.md has the moves).
//
// Made by the order's owner for a pending order, for exactly its total, in
// the shop's currency; confirmed by its owner with a payment method:
// - Inline (ShopState.payment_provider false, the engine stands in for the
//   provider): "pm_card_ok" succeeds and confirms the order in the same
//   decision, "pm_card_declined" fails (a new payment may be made),
//   "pm_card_3ds" requires an action (AuthenticatePayment approves or fails
//   it; failed, the payment takes another method).
// - With a provider: a card moves to processing; the dispatcher sends it and
//   the outcome comes by signed webhook (ApplyPaymentWebhook), once per
//   provider event id, out of order or twice without harm.
// - "cash_on_delivery": processing, and the order is confirmed unpaid; the
//   payment succeeds when an admin records the cash collected on a shipped
//   or delivered order.
// Money captured for an order that can no longer be paid (cancelled,
// expired, or paid by another payment) is refunded in full at once (reason
// "order_not_payable"). Refunds (admins) are partial or full and never
// exceed captured minus refunded minus refunds still pending at the
// provider. Cancelling a paid order refunds what is left of its payment in
// the same commit (reason "order_cancelled"); an open payment of a cancelled
// or expired order is canceled with it (a card already at the provider is
// left to its webhook). Revenue is therefore captured minus refunded and
// never negative (the statistics drop a cancelled order's whole total and
// skip the refunds that go with it). Strangers get not_found.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/order.h"
#include "core/status.h"

namespace orderly::commands {

// Stored as bytes in the writer snapshot: append only.
enum class PaymentStatus : uint8_t {
  kRequiresConfirmation,
  kSucceeded,
  kFailed,
  kProcessing,
  kRequiresAction,
  kRequiresPaymentMethod,
  kCanceled
};
enum class PaymentMethod : uint8_t { kNone, kCardOk, kCardDeclined, kCard3ds, kCashOnDelivery };
enum class RefundStatus : uint8_t { kPending, kSucceeded, kFailed };

struct RefundState {
  std::string id;  // Orderly's UUID text, or the provider's id
  int64_t amount_cents = 0;
  std::string reason;  // PaymentRefunded.reason
  RefundStatus status = RefundStatus::kPending;
};

struct PaymentState {
  Uuid order_id;
  Uuid user_id;
  int64_t amount_cents = 0;
  int64_t refunded_cents = 0;
  int64_t pending_refund_cents = 0;  // requested of the provider, not yet done
  uint32_t version = 0;
  uint32_t attempts = 0;  // payment methods submitted (PaymentProcessing)
  PaymentStatus status = PaymentStatus::kRequiresConfirmation;
  PaymentMethod method = PaymentMethod::kNone;
  bool via_provider = false;  // its money is at the provider: refunds go there
  bool disputed = false;
  std::vector<RefundState> refunds;
};

using PaymentMap = BigUuidMap<PaymentState>;

// The payments of one order that the order's rules need.
struct OrderPayments {
  Uuid paid_by_id;  // the payment that confirmed the order (cash on delivery: unpaid yet)
  const PaymentState* paid_by = nullptr;
  Uuid open_id;  // a payment not finished yet (ShopState.open_payment_by_order)
  const PaymentState* open = nullptr;
};

Status decide_create_payment(const PaymentState* existing, const OrderState* order,
                             bool order_has_open_payment, std::string_view currency,
                             const CreatePayment& c, const CommandMeta& meta, EventSink& out);
Status decide_confirm_payment(const PaymentState* p, const OrderState* order, bool via_provider,
                              std::string_view currency, const ConfirmPayment& c,
                              const CommandMeta& meta, EventSink& out);
Status decide_authenticate_payment(const PaymentState* p, const OrderState* order,
                                   bool via_provider, const AuthenticatePayment& c,
                                   const CommandMeta& meta, EventSink& out);
Status decide_capture_payment(const PaymentState* p, const OrderState* order,
                              const CapturePayment& c, const CommandMeta& meta, EventSink& out);
Status decide_refund_payment(const PaymentState* p, const OrderState* order, const RefundPayment& c,
                             const CommandMeta& meta, EventSink& out);
// `seen_before`: the writer recorded this provider event id already.
Status decide_payment_webhook(const PaymentState* p, const OrderState* order, bool seen_before,
                              const ApplyPaymentWebhook& c, const CommandMeta& meta,
                              EventSink& out);

// The money side of cancelling order `o` (by someone, or at expiry; the
// OrderCancelled is emitted first): what is left of the payment that paid
// it goes back, an unpaid cash-on-delivery payment or an open payment is
// canceled.
void settle_cancelled_order(EventSink& out, const Uuid& order_id, const OrderState& o,
                            const OrderPayments& pays, bool expired);
// The cash of a cash-on-delivery payment collected with the delivery
// (ChangeOrderStatus.cash_collected): OK when `pays.paid_by` is such a
// payment waiting for its cash.
Status collect_cash(EventSink& out, const OrderPayments& pays);

// PaymentRefunded.reason values. DO NOT CHANGE: written into the log.
inline constexpr std::string_view kRefundOrderCancelled = "order_cancelled";
inline constexpr std::string_view kRefundAdmin = "admin";
inline constexpr std::string_view kRefundOrderNotPayable = "order_not_payable";
inline constexpr std::string_view kRefundProvider = "provider";

// PaymentWebhookReceived.outcome values. DO NOT CHANGE: written into the log.
inline constexpr std::string_view kWebhookApplied = "applied";
inline constexpr std::string_view kWebhookDuplicate = "duplicate";
inline constexpr std::string_view kWebhookIgnored = "ignored";
inline constexpr std::string_view kWebhookRejected = "rejected";
inline constexpr std::string_view kWebhookUnknownPayment = "unknown_payment";

// The stream id of a provider event's record when its payment is unknown,
// and the key the writer remembers the event id by.
Uuid provider_event_key(std::string_view provider_event_id);

std::string_view payment_status_name(PaymentStatus s);
std::string_view payment_method_name(PaymentMethod m);
std::optional<PaymentMethod> parse_payment_method(std::string_view name);
std::string_view payment_webhook_type_name(PaymentWebhookType t);
std::optional<PaymentWebhookType> parse_payment_webhook_type(std::string_view name);

// The engine's own 3-D Secure page for an inline payment.
std::string inline_next_action_url(const Uuid& payment_id);

// evolve: folds one event of the payment's stream into it (assigns, never
// validates; REQUIRES: `payload` is a verified FlatBuffer of `type`). The
// index of open payments by order, the provider events and the version are
// kept by commands/shop_state.cpp's apply().
void evolve(PaymentState& pay, EventType type, const uint8_t* payload);

// Whether the payment is finished (succeeded, failed, canceled): it leaves
// the order's open-payment index.
bool payment_is_closed(PaymentStatus s);

}  // namespace orderly::commands
