// Payment: one attempt to pay one order with a test payment method.
//
// Created for an order that is pending, for exactly its total, in the shop's
// currency. Confirmed by its owner: "pm_card_ok" succeeds and confirms the
// order in the same decision, "pm_card_declined" fails (a new payment may be
// created). Refunds (admins) are partial or full and never exceed what was
// captured. Cancelling a paid order refunds what is left of its payment in
// the same commit (order.h), with reason "order_cancelled"; so does an
// admin's refund of an order cancelled before that rule existed. Revenue is
// therefore captured minus refunded and never negative: an order's refunds
// never exceed its total, and a cancelled order's refunds are not subtracted
// twice (the statistics drop the cancelled order's whole total instead).
// Strangers get not_found.
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
                             bool order_has_open_payment, std::string_view currency,
                             const CreatePayment& c, const CommandMeta& meta, EventSink& out);
Status decide_confirm_payment(const PaymentState* p, const OrderState* order,
                              const ConfirmPayment& c, const CommandMeta& meta, EventSink& out);
Status decide_refund_payment(const PaymentState* p, const OrderState* order, const RefundPayment& c,
                             const CommandMeta& meta, EventSink& out);

// PaymentRefunded.reason values. DO NOT CHANGE: written into the log.
inline constexpr std::string_view kRefundOrderCancelled = "order_cancelled";
inline constexpr std::string_view kRefundAdmin = "admin";

// Records a refund of `amount` (REQUIRES: 0 < amount <= what is left).
void emit_refund(EventSink& out, const Uuid& payment_id, const PaymentState& p, int64_t amount,
                 std::string_view reason, TimestampUs order_placed_at);

std::string_view payment_status_name(PaymentStatus s);

// evolve: folds one event of the payment's stream into it (assigns, never
// validates; REQUIRES: `payload` is a verified FlatBuffer of `type`). The
// index of open payments by order and the version are kept by
// commands/shop_state.cpp's apply().
void evolve(PaymentState& pay, EventType type, const uint8_t* payload);

}  // namespace orderly::commands
