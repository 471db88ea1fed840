// Payment: one attempt to pay one order with a test payment method.
//
// Created for an order that is pending, for exactly its total. Confirmed by
// its owner: "pm_card_ok" succeeds and confirms the order in the same
// decision, "pm_card_declined" fails (a new payment may be created). Refunds
// (admins) are partial or full and never exceed what was captured; a refund
// of a delivered order is recorded as such, of a cancelled one it is the
// money side of the released stock. Strangers get not_found.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/order.h"
#include "core/status.h"

namespace orderly::commands {

enum class PaymentStatus : uint8_t { kRequiresConfirmation, kSucceeded, kFailed };

struct PaymentState {
  Uuid order_id;
  Uuid user_id;
  int64_t amount_cents = 0;
  int64_t refunded_cents = 0;
  uint32_t version = 0;
  PaymentStatus status = PaymentStatus::kRequiresConfirmation;
};

using PaymentMap = BigUuidMap<PaymentState>;

Status decide_create_payment(const PaymentState* existing, const OrderState* order,
                             bool order_has_open_payment, const CreatePayment& c,
                             const CommandMeta& meta, EventSink& out);
Status decide_confirm_payment(const PaymentState* p, const OrderState* order,
                              const ConfirmPayment& c, const CommandMeta& meta, EventSink& out);
Status decide_refund_payment(const PaymentState* p, const RefundPayment& c, const CommandMeta& meta,
                             EventSink& out);

std::string_view payment_status_name(PaymentStatus s);

}  // namespace orderly::commands
