#include "commands/payment.h"

#include "core/schemas/payment_events_generated.h"
#include "core/text.h"
#include "core/uuid.h"

namespace orderly::commands {

namespace {

Status payment_not_found(const Uuid& id) {
  return Status::not_found("payment " + id.to_string() + " does not exist");
}

bool owns(const PaymentState& p, const CommandMeta& meta) {
  return p.user_id == meta.actor;
}
bool is_admin(const CommandMeta& meta) {
  return meta.role == Role::kAdmin || meta.role == Role::kEngine;
}

Status not_in_status(const PaymentState& p, std::string_view wanted) {
  return Status::invalid_transition("payment is " + std::string(payment_status_name(p.status)) +
                                    ", not " + std::string(wanted));
}

Status order_not_payable(const PaymentState& p, const OrderState* order) {
  return Status::invalid_transition(
      "order " + p.order_id.to_string() + " is " +
      (order ? std::string(order_status_name(order->status)) : "gone") +
      ": it can no longer be paid");
}

// The id of a payment's n-th refund that Orderly asks for (1-based): follows
// from the payment, so a decision made twice names the same refund.
std::string nth_refund_id(const Uuid& payment_id, size_t n) {
  return uuid_from_name("refund/" + payment_id.to_string() + "/" + std::to_string(n)).to_string();
}

const RefundState* find_refund(const PaymentState& p, std::string_view id) {
  for (const RefundState& r : p.refunds) {
    if (r.id == id)
      return &r;
  }
  return nullptr;
}

int64_t refundable(const PaymentState& p) {
  return p.amount_cents - p.refunded_cents - p.pending_refund_cents;
}

void emit_succeeded(EventSink& out, const Uuid& payment_id, const PaymentState& p,
                    std::string_view method) {
  out.emit(Aggregate::kPayment, payment_id, EventType::kPaymentSucceeded,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreatePaymentSucceededDirect(
                 b, payment_id.to_string().c_str(), p.order_id.to_string().c_str(),
                 std::string(method).c_str(), p.amount_cents);
           });
}

void emit_failed(EventSink& out, const Uuid& payment_id, const PaymentState& p,
                 std::string_view method, std::string_view reason, bool retryable) {
  out.emit(Aggregate::kPayment, payment_id, EventType::kPaymentFailed,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreatePaymentFailedDirect(
                 b, payment_id.to_string().c_str(), p.order_id.to_string().c_str(),
                 std::string(method).c_str(), std::string(reason).c_str(), retryable);
           });
}

void emit_canceled(EventSink& out, const Uuid& payment_id, const PaymentState& p,
                   std::string_view reason) {
  out.emit(Aggregate::kPayment, payment_id, EventType::kPaymentCanceled,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreatePaymentCanceledDirect(b, payment_id.to_string().c_str(),
                                                        p.order_id.to_string().c_str(),
                                                        std::string(reason).c_str());
           });
}

void emit_refunded(EventSink& out, const Uuid& payment_id, const PaymentState& p,
                   std::string_view refund_id, int64_t amount, std::string_view reason,
                   TimestampUs order_placed_at) {
  out.emit(Aggregate::kPayment, payment_id, EventType::kPaymentRefunded,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreatePaymentRefundedDirect(
                 b, payment_id.to_string().c_str(), p.order_id.to_string().c_str(), amount,
                 p.refunded_cents + amount, std::string(reason).c_str(), order_placed_at,
                 std::string(refund_id).c_str());
           });
}

// Gives back `amount` (REQUIRES: 0 < amount <= refundable(p)): at once when
// the money is Orderly's to give (inline cards, cash), else asked of the
// provider, held back until its webhook says how it went.
void refund(EventSink& out, const Uuid& payment_id, const PaymentState& p, int64_t amount,
            std::string_view reason, TimestampUs order_placed_at, bool via_provider) {
  const std::string id = nth_refund_id(payment_id, p.refunds.size() + 1);
  if (!via_provider) {
    emit_refunded(out, payment_id, p, id, amount, reason, order_placed_at);
    return;
  }
  out.emit(Aggregate::kPayment, payment_id, EventType::kPaymentRefundRequested,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreatePaymentRefundRequestedDirect(
                 b, payment_id.to_string().c_str(), p.order_id.to_string().c_str(), id.c_str(),
                 amount, std::string(reason).c_str(), order_placed_at);
           });
}

bool is_card(PaymentMethod m) {
  return m == PaymentMethod::kCardOk || m == PaymentMethod::kCardDeclined ||
         m == PaymentMethod::kCard3ds;
}

}  // namespace

Uuid provider_event_key(std::string_view provider_event_id) {
  return uuid_from_name("provider-event/" + std::string(provider_event_id));
}

std::string_view payment_status_name(PaymentStatus s) {
  switch (s) {
    case PaymentStatus::kRequiresConfirmation:
      return "requires_confirmation";
    case PaymentStatus::kSucceeded:
      return "succeeded";
    case PaymentStatus::kFailed:
      return "failed";
    case PaymentStatus::kProcessing:
      return "processing";
    case PaymentStatus::kRequiresAction:
      return "requires_action";
    case PaymentStatus::kRequiresPaymentMethod:
      return "requires_payment_method";
    case PaymentStatus::kCanceled:
      return "canceled";
  }
  return "failed";
}

namespace {
constexpr std::string_view kMethodNames[] = {"", "pm_card_ok", "pm_card_declined", "pm_card_3ds",
                                             "cash_on_delivery"};
constexpr std::string_view kWebhookTypeNames[] = {
    "payment.succeeded", "payment.failed", "payment.requires_action",
    "refund.succeeded",  "refund.failed",  "charge.dispute.created"};
}  // namespace

std::string_view payment_method_name(PaymentMethod m) {
  return kMethodNames[static_cast<size_t>(m)];
}

std::optional<PaymentMethod> parse_payment_method(std::string_view name) {
  for (size_t i = 1; i < std::size(kMethodNames); ++i) {
    if (name == kMethodNames[i])
      return static_cast<PaymentMethod>(i);
  }
  return std::nullopt;
}

std::string_view payment_webhook_type_name(PaymentWebhookType t) {
  return kWebhookTypeNames[static_cast<size_t>(t)];
}

std::optional<PaymentWebhookType> parse_payment_webhook_type(std::string_view name) {
  for (size_t i = 0; i < std::size(kWebhookTypeNames); ++i) {
    if (name == kWebhookTypeNames[i])
      return static_cast<PaymentWebhookType>(i);
  }
  return std::nullopt;
}

std::string inline_next_action_url(const Uuid& payment_id) {
  return "/pay/3ds?payment_id=" + payment_id.to_string();
}

bool payment_is_closed(PaymentStatus s) {
  return s == PaymentStatus::kSucceeded || s == PaymentStatus::kFailed ||
         s == PaymentStatus::kCanceled;
}

Status decide_create_payment(const PaymentState* existing, const OrderState* order,
                             bool order_has_open_payment, std::string_view currency,
                             const CreatePayment& c, const CommandMeta& meta, EventSink& out) {
  if (order == nullptr || order->user_id != meta.actor) {  // only the owner pays
    return Status::not_found("order " + c.order_id.to_string() + " does not exist");
  }
  if (existing != nullptr)
    return Status::already_exists("payment " + c.payment_id.to_string() + " exists");
  if (order->status != OrderStatus::kPending) {
    return Status::invalid_transition("order " + c.order_id.to_string() + " is " +
                                      std::string(order_status_name(order->status)) +
                                      ": only pending orders are paid");
  }
  if (order_has_open_payment) {
    return Status::invalid_transition("order " + c.order_id.to_string() +
                                      " already has a payment in progress");
  }
  out.emit(Aggregate::kPayment, c.payment_id, EventType::kPaymentCreated,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreatePaymentCreatedDirect(
                 b, c.payment_id.to_string().c_str(), c.order_id.to_string().c_str(),
                 meta.actor.to_string().c_str(), order->total_cents, std::string(currency).c_str());
           });
  return Status::ok();
}

Status decide_confirm_payment(const PaymentState* p, const OrderState* order, bool via_provider,
                              std::string_view currency, const ConfirmPayment& c,
                              const CommandMeta& meta, EventSink& out) {
  if (p == nullptr || !owns(*p, meta))
    return payment_not_found(c.payment_id);
  if (p->status != PaymentStatus::kRequiresConfirmation &&
      p->status != PaymentStatus::kRequiresPaymentMethod) {
    return not_in_status(*p, "requires_confirmation or requires_payment_method");
  }
  const auto method = parse_payment_method(c.payment_method);
  if (!method) {
    return Status::invalid_field(
        "payment_method", "must be pm_card_ok, pm_card_declined, pm_card_3ds or cash_on_delivery");
  }
  if (order == nullptr || order->status != OrderStatus::kPending)
    return order_not_payable(*p, order);
  const std::string pid = c.payment_id.to_string(), oid = p->order_id.to_string();
  const bool cash = *method == PaymentMethod::kCashOnDelivery;
  if (cash || via_provider) {
    out.emit(Aggregate::kPayment, c.payment_id, EventType::kPaymentProcessing,
             [&](flatbuffers::FlatBufferBuilder& b) {
               return events::CreatePaymentProcessingDirect(
                   b, pid.c_str(), oid.c_str(), c.payment_method.c_str(), p->attempts + 1,
                   p->amount_cents, std::string(currency).c_str(), !cash);
             });
    if (cash)  // confirmed unpaid: the cash comes with the delivery
      emit_order_confirmed(out, p->order_id, &c.payment_id, meta.actor);
    return Status::ok();
  }
  switch (*method) {
    case PaymentMethod::kCardDeclined:
      emit_failed(out, c.payment_id, *p, c.payment_method, "card_declined", false);
      break;
    case PaymentMethod::kCard3ds:
      out.emit(Aggregate::kPayment, c.payment_id, EventType::kPaymentActionRequired,
               [&](flatbuffers::FlatBufferBuilder& b) {
                 return events::CreatePaymentActionRequiredDirect(
                     b, pid.c_str(), oid.c_str(), c.payment_method.c_str(),
                     inline_next_action_url(c.payment_id).c_str());
               });
      break;
    default:
      emit_succeeded(out, c.payment_id, *p, c.payment_method);
      emit_order_confirmed(out, p->order_id, &c.payment_id, meta.actor);
      break;
  }
  return Status::ok();
}

Status decide_authenticate_payment(const PaymentState* p, const OrderState* order,
                                   bool via_provider, const AuthenticatePayment& c,
                                   const CommandMeta& meta, EventSink& out) {
  if (p == nullptr || !owns(*p, meta))
    return payment_not_found(c.payment_id);
  if (via_provider || p->via_provider) {
    return Status::invalid_transition(
        "the payment provider runs this check: follow the payment's next_action_url");
  }
  if (p->status != PaymentStatus::kRequiresAction)
    return not_in_status(*p, "requires_action");
  const std::string_view method = payment_method_name(p->method);
  if (!c.approved) {
    emit_failed(out, c.payment_id, *p, method, "authentication_failed", true);
    return Status::ok();
  }
  if (order == nullptr || order->status != OrderStatus::kPending)
    return order_not_payable(*p, order);
  emit_succeeded(out, c.payment_id, *p, method);
  emit_order_confirmed(out, p->order_id, &c.payment_id, meta.actor);
  return Status::ok();
}

Status collect_cash(EventSink& out, const OrderPayments& pays) {
  const PaymentState* p = pays.paid_by;
  if (p == nullptr || p->method != PaymentMethod::kCashOnDelivery ||
      p->status != PaymentStatus::kProcessing) {
    return Status::invalid_field("cash_collected",
                                 "the order has no cash-on-delivery payment waiting for its cash");
  }
  emit_succeeded(out, pays.paid_by_id, *p, payment_method_name(p->method));
  return Status::ok();
}

Status decide_capture_payment(const PaymentState* p, const OrderState* order,
                              const CapturePayment& c, const CommandMeta& meta, EventSink& out) {
  if (!is_admin(meta)) {
    return p == nullptr || !owns(*p, meta) ? payment_not_found(c.payment_id)
                                           : Status::forbidden("only admins record cash collected");
  }
  if (p == nullptr)
    return payment_not_found(c.payment_id);
  if (p->method != PaymentMethod::kCashOnDelivery) {
    return Status::invalid_transition("only cash-on-delivery payments are captured by hand");
  }
  if (p->status != PaymentStatus::kProcessing)
    return not_in_status(*p, "processing");
  if (order == nullptr ||
      (order->status != OrderStatus::kShipped && order->status != OrderStatus::kDelivered)) {
    return Status::invalid_transition(
        "order " + p->order_id.to_string() + " is " +
        (order ? std::string(order_status_name(order->status)) : "gone") +
        ": cash is collected when it is shipped or delivered");
  }
  emit_succeeded(out, c.payment_id, *p, payment_method_name(p->method));
  return Status::ok();
}

Status decide_refund_payment(const PaymentState* p, const OrderState* order, const RefundPayment& c,
                             const CommandMeta& meta, EventSink& out) {
  if (!is_admin(meta)) {
    return p == nullptr || !owns(*p, meta) ? payment_not_found(c.payment_id)
                                           : Status::forbidden("only admins issue refunds");
  }
  if (p == nullptr)
    return payment_not_found(c.payment_id);
  if (p->status != PaymentStatus::kSucceeded) {
    return Status::invalid_transition("payment is " + std::string(payment_status_name(p->status)) +
                                      ": only succeeded payments are refunded");
  }
  const int64_t left = refundable(*p);
  if (left == 0) {
    return Status::invalid_transition(p->pending_refund_cents > 0
                                          ? "the rest of the payment is being refunded already"
                                          : "payment is already fully refunded");
  }
  const int64_t amount = c.amount_cents.value_or(left);
  if (amount <= 0 || amount > left) {
    return Status::invalid_field("amount_cents",
                                 "must be between 1 and " + std::to_string(left) +
                                     " (captured minus refunded and refunds in progress)");
  }
  const bool cancelled = order != nullptr && order->status == OrderStatus::kCancelled;
  refund(out, c.payment_id, *p, amount, cancelled ? kRefundOrderCancelled : kRefundAdmin,
         order ? order->placed_at : 0, p->via_provider);
  return Status::ok();
}

void settle_cancelled_order(EventSink& out, const Uuid& order_id, const OrderState& o,
                            const OrderPayments& pays, bool expired) {
  (void)order_id;
  if (const PaymentState* p = pays.paid_by) {
    if (p->status == PaymentStatus::kSucceeded) {
      const int64_t left = refundable(*p);
      if (left > 0) {
        refund(out, pays.paid_by_id, *p, left, kRefundOrderCancelled, o.placed_at, p->via_provider);
      }
    } else if (!payment_is_closed(p->status)) {  // cash on delivery, not collected
      emit_canceled(out, pays.paid_by_id, *p, "order_cancelled");
    }
  }
  const PaymentState* open = pays.open;
  if (open == nullptr || pays.open_id == pays.paid_by_id || payment_is_closed(open->status))
    return;
  // A card at the provider may still be captured: its webhook decides, and
  // money for an order gone is refunded then (decide_payment_webhook).
  if (open->status == PaymentStatus::kProcessing && open->via_provider)
    return;
  if (open->status == PaymentStatus::kRequiresAction && open->via_provider)
    return;
  emit_canceled(out, pays.open_id, *open, expired ? "order_expired" : "order_cancelled");
}

Status decide_payment_webhook(const PaymentState* p, const OrderState* order, bool seen_before,
                              const ApplyPaymentWebhook& c, const CommandMeta& meta,
                              EventSink& out) {
  if (meta.role != Role::kEngine)
    return Status::forbidden("only the engine applies the provider's webhooks");
  auto record = [&](std::string_view outcome, const std::string& detail) {
    const bool known = p != nullptr;
    out.emit(known ? Aggregate::kPayment : Aggregate::kWebhook,
             known ? c.payment_id : provider_event_key(c.provider_event_id),
             EventType::kPaymentWebhookReceived, [&](flatbuffers::FlatBufferBuilder& b) {
               return events::CreatePaymentWebhookReceivedDirect(
                   b, c.provider_event_id.c_str(),
                   std::string(payment_webhook_type_name(c.type)).c_str(),
                   c.payment_id.to_string().c_str(), std::string(outcome).c_str(), detail.c_str(),
                   c.created_s, c.amount_cents, c.refund_id.c_str(), c.dispute_id.c_str());
             });
  };
  if (seen_before) {
    record(kWebhookDuplicate, "provider event " + c.provider_event_id + " was applied before");
    return Status::ok();
  }
  if (p == nullptr) {
    record(kWebhookUnknownPayment, "no payment " + c.payment_id.to_string());
    return Status::ok();
  }
  const std::string status(payment_status_name(p->status));
  auto ignored = [&](const std::string& why) { record(kWebhookIgnored, why); };
  switch (c.type) {
    case PaymentWebhookType::kPaymentSucceeded: {
      if (p->status == PaymentStatus::kSucceeded) {
        ignored("the payment succeeded already");
        return Status::ok();
      }
      if (!is_card(p->method) && p->method != PaymentMethod::kNone) {
        record(kWebhookRejected, "a cash-on-delivery payment is not paid at the provider");
        return Status::ok();
      }
      if (c.amount_cents != p->amount_cents) {
        record(kWebhookRejected, "amount_cents " + std::to_string(c.amount_cents) +
                                     " is not the payment's " + std::to_string(p->amount_cents));
        return Status::ok();
      }
      record(kWebhookApplied, "");
      const std::string_view method =
          p->method == PaymentMethod::kNone ? "card" : payment_method_name(p->method);
      emit_succeeded(out, c.payment_id, *p, method);
      if (order != nullptr && order->status == OrderStatus::kPending) {
        emit_order_confirmed(out, p->order_id, &c.payment_id, meta.actor);
      } else {
        // Captured for an order that can no longer be paid: all of it goes
        // back (the customer is emailed about the refund).
        PaymentState paid = *p;
        paid.status = PaymentStatus::kSucceeded;
        refund(out, c.payment_id, paid, p->amount_cents, kRefundOrderNotPayable,
               order ? order->placed_at : 0, true);
      }
      return Status::ok();
    }
    case PaymentWebhookType::kPaymentFailed:
      if (payment_is_closed(p->status) || p->method == PaymentMethod::kCashOnDelivery) {
        ignored("the payment is " + status);
        return Status::ok();
      }
      record(kWebhookApplied, "");
      emit_failed(out, c.payment_id, *p, payment_method_name(p->method),
                  c.reason.empty() ? "card_declined" : c.reason, false);
      return Status::ok();
    case PaymentWebhookType::kPaymentRequiresAction:
      if (p->status != PaymentStatus::kProcessing || p->method == PaymentMethod::kCashOnDelivery) {
        ignored("the payment is " + status);
        return Status::ok();
      }
      record(kWebhookApplied, "");
      out.emit(Aggregate::kPayment, c.payment_id, EventType::kPaymentActionRequired,
               [&](flatbuffers::FlatBufferBuilder& b) {
                 return events::CreatePaymentActionRequiredDirect(
                     b, c.payment_id.to_string().c_str(), p->order_id.to_string().c_str(),
                     std::string(payment_method_name(p->method)).c_str(),
                     c.next_action_url.c_str());
               });
      return Status::ok();
    case PaymentWebhookType::kRefundSucceeded: {
      if (const RefundState* r = find_refund(*p, c.refund_id)) {
        if (r->status != RefundStatus::kPending) {
          {
            ignored(std::string("refund ") + c.refund_id + " is finished already");
            return Status::ok();
          }
        }
        record(kWebhookApplied, "");
        // An admin's refund requested before the order was cancelled and
        // finished after it: the order's whole total left revenue with the
        // cancellation, so the refund is recorded as the cancellation's
        // (the reason tells the statistics whether the order still counts;
        // recorded as "admin", revenue went below captured minus refunded).
        const bool cancelled = order != nullptr && order->status == OrderStatus::kCancelled;
        const std::string_view reason =
            cancelled && r->reason == kRefundAdmin ? kRefundOrderCancelled : r->reason;
        emit_refunded(out, c.payment_id, *p, r->id, r->amount_cents, reason,
                      order ? order->placed_at : 0);
        return Status::ok();
      }
      // A refund made at the provider: it counts if the payment had it left.
      if (p->status != PaymentStatus::kSucceeded) {
        record(kWebhookRejected, "the payment is " + status + ": nothing was captured");
        return Status::ok();
      }
      if (c.amount_cents <= 0 || c.amount_cents > refundable(*p)) {
        record(kWebhookRejected, "a refund of " + std::to_string(c.amount_cents) +
                                     " is more than the " + std::to_string(refundable(*p)) +
                                     " left to refund");
        return Status::ok();
      }
      record(kWebhookApplied, "");
      const bool cancelled = order != nullptr && order->status == OrderStatus::kCancelled;
      emit_refunded(out, c.payment_id, *p, c.refund_id, c.amount_cents,
                    cancelled ? kRefundOrderCancelled : kRefundProvider,
                    order ? order->placed_at : 0);
      return Status::ok();
    }
    case PaymentWebhookType::kRefundFailed: {
      const RefundState* r = find_refund(*p, c.refund_id);
      if (r == nullptr || r->status != RefundStatus::kPending) {
        ignored("no refund " + c.refund_id + " in progress");
        return Status::ok();
      }
      record(kWebhookApplied, "");
      out.emit(Aggregate::kPayment, c.payment_id, EventType::kPaymentRefundFailed,
               [&](flatbuffers::FlatBufferBuilder& b) {
                 return events::CreatePaymentRefundFailedDirect(
                     b, c.payment_id.to_string().c_str(), p->order_id.to_string().c_str(),
                     r->id.c_str(), r->amount_cents,
                     (c.reason.empty() ? std::string("refund_failed") : c.reason).c_str());
               });
      return Status::ok();
    }
    case PaymentWebhookType::kDisputeCreated:
      if (p->status != PaymentStatus::kSucceeded) {
        ignored("the payment is " + status + ": nothing to dispute");
        return Status::ok();
      }
      record(kWebhookApplied, "");
      out.emit(Aggregate::kPayment, c.payment_id, EventType::kPaymentDisputed,
               [&](flatbuffers::FlatBufferBuilder& b) {
                 return events::CreatePaymentDisputedDirect(
                     b, c.payment_id.to_string().c_str(), p->order_id.to_string().c_str(),
                     c.dispute_id.c_str(), c.amount_cents, c.reason.c_str());
               });
      return Status::ok();
  }
  return Status::ok();
}

void evolve(PaymentState& pay, EventType type, const uint8_t* p) {
  switch (type) {
    case EventType::kPaymentCreated: {
      const auto* e = flatbuffers::GetRoot<events::PaymentCreated>(p);
      pay.order_id = fb_uuid(e->order_id());
      pay.user_id = fb_uuid(e->user_id());
      pay.amount_cents = e->amount_cents();
      pay.status = PaymentStatus::kRequiresConfirmation;
      break;
    }
    case EventType::kPaymentProcessing: {
      const auto* e = flatbuffers::GetRoot<events::PaymentProcessing>(p);
      pay.status = PaymentStatus::kProcessing;
      pay.method =
          parse_payment_method(fb_view(e->payment_method())).value_or(PaymentMethod::kNone);
      pay.attempts = e->attempt();
      pay.via_provider = e->via_provider();
      break;
    }
    case EventType::kPaymentActionRequired: {
      const auto* e = flatbuffers::GetRoot<events::PaymentActionRequired>(p);
      pay.status = PaymentStatus::kRequiresAction;
      pay.method = parse_payment_method(fb_view(e->payment_method())).value_or(pay.method);
      break;
    }
    case EventType::kPaymentSucceeded: {
      const auto* e = flatbuffers::GetRoot<events::PaymentSucceeded>(p);
      pay.status = PaymentStatus::kSucceeded;
      pay.method = parse_payment_method(fb_view(e->payment_method())).value_or(pay.method);
      break;
    }
    case EventType::kPaymentFailed: {
      const auto* e = flatbuffers::GetRoot<events::PaymentFailed>(p);
      pay.status = e->retryable() ? PaymentStatus::kRequiresPaymentMethod : PaymentStatus::kFailed;
      pay.method = parse_payment_method(fb_view(e->payment_method())).value_or(pay.method);
      break;
    }
    case EventType::kPaymentCanceled:
      pay.status = PaymentStatus::kCanceled;
      break;
    case EventType::kPaymentRefundRequested: {
      const auto* e = flatbuffers::GetRoot<events::PaymentRefundRequested>(p);
      pay.refunds.push_back({fb_string(e->refund_id()), e->amount_cents(), fb_string(e->reason()),
                             RefundStatus::kPending});
      pay.pending_refund_cents += e->amount_cents();
      break;
    }
    case EventType::kPaymentRefunded: {
      const auto* e = flatbuffers::GetRoot<events::PaymentRefunded>(p);
      pay.refunded_cents = e->refunded_total_cents();
      const std::string_view id = fb_view(e->refund_id());
      for (RefundState& r : pay.refunds) {
        if (!id.empty() && r.id == id && r.status == RefundStatus::kPending) {
          r.status = RefundStatus::kSucceeded;
          pay.pending_refund_cents -= r.amount_cents;
          return;
        }
      }
      pay.refunds.push_back(
          {std::string(id), e->amount_cents(), fb_string(e->reason()), RefundStatus::kSucceeded});
      break;
    }
    case EventType::kPaymentRefundFailed: {
      const auto* e = flatbuffers::GetRoot<events::PaymentRefundFailed>(p);
      const std::string_view id = fb_view(e->refund_id());
      for (RefundState& r : pay.refunds) {
        if (r.id == id && r.status == RefundStatus::kPending) {
          r.status = RefundStatus::kFailed;
          pay.pending_refund_cents -= r.amount_cents;
          break;
        }
      }
      break;
    }
    case EventType::kPaymentDisputed:
      pay.disputed = true;
      break;
    default:
      break;
  }
}

}  // namespace orderly::commands
