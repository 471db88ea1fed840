// Order: placement and its life.
//
// Moves: pending -> confirmed -> shipped -> delivered, and
// pending|confirmed -> cancelled; nothing else (invalid_transition naming
// from and to). Placing reserves every line at once or none
// (insufficient_stock naming each short line); names and prices are
// snapshotted; totals are integer cents with overflow checks. A pending order
// older than its reservation time-to-live is cancelled by the engine
// ("reservation_expired"). Cancelling a paid (confirmed) order refunds its
// payment in the same atomic commit: no cancelled order keeps money. Every
// price is in the shop's one currency (ShopState::currency). Customers see and cancel only their
// own orders: anyone else's is not_found. Stock effects: see product.h.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/product.h"
#include "core/status.h"

namespace orderly::events {
struct OrderPlaced;
}

namespace orderly::commands {

struct PaymentState;

inline constexpr size_t kMaxOrderLines = 100;
inline constexpr int64_t kMaxLineQuantity = 10'000;

// Only what decisions need; the read model keeps names and prices.
struct OrderState {
  Uuid user_id;
  Uuid paid_by;  // the succeeded payment that confirmed it (nil: none)
  int64_t total_cents = 0;
  TimestampUs expires_at = 0;
  TimestampUs placed_at = 0;  // 0 for orders placed before events carried it
  std::vector<OrderItem> lines;
  uint32_t version = 0;
  OrderStatus status = OrderStatus::kPending;
};

using OrderMap = BigUuidMap<OrderState>;

// The legal moves of the contract, or invalid_transition naming both ends.
Status check_transition(OrderStatus from, OrderStatus to);
// The caller may act on this order: its owner, an admin or the engine.
bool may_access(const OrderState& o, const CommandMeta& meta);

// `currency` is the shop's: a product priced in another is refused.
Status decide_place_order(const OrderState* existing, const ProductMap& products,
                          std::string_view currency, const PlaceOrder& c, const CommandMeta& meta,
                          EventSink& out);
Status decide_change_order_status(const OrderState* o, const PaymentState* paid_by,
                                  const ChangeOrderStatus& c, const CommandMeta& meta,
                                  EventSink& out);
// Cancelling an order that a payment confirmed also refunds what is left of
// that payment, in the same commit (payment.h): `paid_by` is that payment's
// state, null when the order was not paid.
Status decide_cancel_order(const OrderState* o, const PaymentState* paid_by, const CancelOrder& c,
                           const CommandMeta& meta, EventSink& out);
Status decide_expire_order(const OrderState* o, const ExpireOrder& c, const CommandMeta& meta,
                           EventSink& out);

// Confirmation's event, also emitted by a succeeded payment (payment.cpp).
void emit_order_confirmed(EventSink& out, const Uuid& order_id, const Uuid* payment_id,
                          const Uuid& by);

// evolve: the order's own state; the stock side is applied by ShopState
// with reserve/commit_reservation/release/restock from product.h.
void evolve_placed(OrderState& o, const events::OrderPlaced& e);
void evolve_status(OrderState& o, OrderStatus to);

}  // namespace orderly::commands
