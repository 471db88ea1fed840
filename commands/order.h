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
//
// Holds: what a customer's pending (unpaid) orders reserve is stock nobody
// else can buy until they pay, cancel or the reservation expires. So one
// customer may hold at most HoldLimits: units of one product, pending
// orders, and pending value (hold_limit_exceeded naming the limit). Admins
// place orders for themselves like anyone else, so they are held to the same
// limits: an admin who needs stock aside sets it with the stock commands.
// An order is worth at most kMaxOrderCents (validation_failed on items):
// totals across orders then stay far from int64's range, and the read
// models saturate their sums on top of that.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/input_limits.h"
#include "commands/product.h"
#include "commands/uuid_map.h"
#include "core/status.h"

namespace orderly::events {
struct OrderPlaced;
}

namespace orderly::commands {

struct PaymentState;
struct OrderPayments;

// Ten billion in major units: beyond any real basket, while 9 million such
// orders still sum within int64.
inline constexpr int64_t kMaxOrderCents = 1'000'000'000'000;

// What one customer may hold unpaid at once (--hold-max-units,
// --hold-max-orders, --hold-max-cents). 0 turns a limit off; the defaults
// here are all off (tools and tests of the writer), `orderly serve` sets
// its own (api/cli/commands.h).
struct HoldLimits {
  int64_t max_units_per_product = 0;  // across the customer's pending orders
  int64_t max_pending_orders = 0;
  int64_t max_pending_cents = 0;
};

// What one customer's pending orders hold now: an index the writer keeps
// (ShopState::holds), derived from the orders alone.
struct CustomerHolds {
  int64_t pending_orders = 0;
  int64_t pending_cents = 0;
  UuidMap<int64_t> units;  // by product
};

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

// Whether a customer holding `held` (null: nothing) may also hold an order
// of `lines` worth `order_cents`: hold_limit_exceeded naming the first limit
// it would pass (errors[] names the line for a per-product limit). Pure.
Status check_hold_limits(const CustomerHolds* held, const HoldLimits& limits,
                         const std::vector<OrderItem>& lines, int64_t order_cents);

// `currency` is the shop's: a product priced in another is refused. `held`
// is what the customer's pending orders hold already (null: nothing).
Status decide_place_order(const OrderState* existing, const ProductMap& products,
                          std::string_view currency, const CustomerHolds* held,
                          const HoldLimits& limits, const PlaceOrder& c, const CommandMeta& meta,
                          EventSink& out);
// `pays`: the order's payments (payment.h). Delivered with cash_collected,
// its cash-on-delivery payment succeeds in the same commit.
Status decide_change_order_status(const OrderState* o, const OrderPayments& pays,
                                  const ChangeOrderStatus& c, const CommandMeta& meta,
                                  EventSink& out);
// Cancelling (or expiring) an order settles its payments in the same commit
// (payment.h settle_cancelled_order): what is left of a payment that paid
// it is refunded, an unpaid or open one is canceled.
Status decide_cancel_order(const OrderState* o, const OrderPayments& pays, const CancelOrder& c,
                           const CommandMeta& meta, EventSink& out);
Status decide_expire_order(const OrderState* o, const OrderPayments& pays, const ExpireOrder& c,
                           const CommandMeta& meta, EventSink& out);

// Confirmation's event, also emitted by a succeeded payment (payment.cpp).
void emit_order_confirmed(EventSink& out, const Uuid& order_id, const Uuid* payment_id,
                          const Uuid& by);

// evolve: the order's own state; the stock side is applied by ShopState
// with reserve/commit_reservation/release/restock from product.h.
void evolve_placed(OrderState& o, const events::OrderPlaced& e);
void evolve_status(OrderState& o, OrderStatus to);

// The holds index: a pending order is added when placed, taken away when it
// leaves pending (confirmed, cancelled or expired).
void add_hold(CustomerHolds& held, const OrderState& o);
void remove_hold(CustomerHolds& held, const OrderState& o);

}  // namespace orderly::commands
