#include "commands/payment.h"

#include "core/schemas/payment_events_generated.h"
#include "core/text.h"

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

}  // namespace

std::string_view payment_status_name(PaymentStatus s) {
  switch (s) {
    case PaymentStatus::kRequiresConfirmation:
      return "requires_confirmation";
    case PaymentStatus::kSucceeded:
      return "succeeded";
    case PaymentStatus::kFailed:
      return "failed";
  }
  return "failed";
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
                                      " already has a payment waiting for confirmation");
  }
  out.emit(Aggregate::kPayment, c.payment_id, EventType::kPaymentCreated,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreatePaymentCreatedDirect(
                 b, c.payment_id.to_string().c_str(), c.order_id.to_string().c_str(),
                 meta.actor.to_string().c_str(), order->total_cents, std::string(currency).c_str());
           });
  return Status::ok();
}

Status decide_confirm_payment(const PaymentState* p, const OrderState* order,
                              const ConfirmPayment& c, const CommandMeta& meta, EventSink& out) {
  if (p == nullptr || !owns(*p, meta))
    return payment_not_found(c.payment_id);
  if (p->status != PaymentStatus::kRequiresConfirmation) {
    return Status::invalid_transition("payment is " + std::string(payment_status_name(p->status)) +
                                      ", not requires_confirmation");
  }
  if (c.payment_method != "pm_card_ok" && c.payment_method != "pm_card_declined") {
    return Status::invalid_field("payment_method", "must be pm_card_ok or pm_card_declined");
  }
  if (order == nullptr || order->status != OrderStatus::kPending) {
    return Status::invalid_transition(
        "order " + p->order_id.to_string() + " is " +
        (order ? std::string(order_status_name(order->status)) : "gone") +
        ": it can no longer be paid");
  }
  const std::string pid = c.payment_id.to_string(), oid = p->order_id.to_string();
  if (c.payment_method == "pm_card_declined") {
    out.emit(Aggregate::kPayment, c.payment_id, EventType::kPaymentFailed,
             [&](flatbuffers::FlatBufferBuilder& b) {
               return events::CreatePaymentFailedDirect(b, pid.c_str(), oid.c_str(),
                                                        c.payment_method.c_str(), "card_declined");
             });
    return Status::ok();
  }
  out.emit(Aggregate::kPayment, c.payment_id, EventType::kPaymentSucceeded,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreatePaymentSucceededDirect(b, pid.c_str(), oid.c_str(),
                                                         c.payment_method.c_str(), p->amount_cents);
           });
  emit_order_confirmed(out, p->order_id, &c.payment_id,
                       meta.actor);  // a succeeded payment confirms the order
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
  const int64_t left = p->amount_cents - p->refunded_cents;
  const int64_t amount = c.amount_cents.value_or(left);
  if (left == 0)
    return Status::invalid_transition("payment is already fully refunded");
  if (amount <= 0 || amount > left) {
    return Status::invalid_field("amount_cents", "must be between 1 and " + std::to_string(left) +
                                                     " (captured minus refunded)");
  }
  const bool cancelled = order != nullptr && order->status == OrderStatus::kCancelled;
  emit_refund(out, c.payment_id, *p, amount, cancelled ? kRefundOrderCancelled : kRefundAdmin,
              order ? order->placed_at : 0);
  return Status::ok();
}

void emit_refund(EventSink& out, const Uuid& payment_id, const PaymentState& p, int64_t amount,
                 std::string_view reason, TimestampUs order_placed_at) {
  out.emit(Aggregate::kPayment, payment_id, EventType::kPaymentRefunded,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreatePaymentRefundedDirect(
                 b, payment_id.to_string().c_str(), p.order_id.to_string().c_str(), amount,
                 p.refunded_cents + amount, std::string(reason).c_str(), order_placed_at);
           });
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
    case EventType::kPaymentSucceeded:
      pay.status = PaymentStatus::kSucceeded;
      break;
    case EventType::kPaymentFailed:
      pay.status = PaymentStatus::kFailed;
      break;
    case EventType::kPaymentRefunded:
      pay.refunded_cents = flatbuffers::GetRoot<events::PaymentRefunded>(p)->refunded_total_cents();
      break;
    default:
      break;
  }
}

}  // namespace orderly::commands
