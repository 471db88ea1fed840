// Cart: one per user (stream "cart-<user id>"), lines of product and
// quantity. Checkout places an order with the cart's lines (order.h rules)
// and empties the cart in the same atomic decision.
#pragma once

#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/order.h"
#include "commands/product.h"
#include "core/status.h"

namespace orderly::commands {

inline constexpr size_t kMaxCartLines = 100;

struct CartState {
  std::vector<OrderItem> lines;
  uint32_t version = 0;
};

using CartMap = BigUuidMap<CartState>;

Status decide_add_to_cart(const CartState* cart, const ProductMap& products, const AddToCart& c,
                          const CommandMeta& meta, EventSink& out);
Status decide_set_cart_quantity(const CartState* cart, const SetCartQuantity& c,
                                const CommandMeta& meta, EventSink& out);
Status decide_remove_from_cart(const CartState* cart, const RemoveFromCart& c,
                               const CommandMeta& meta, EventSink& out);
Status decide_clear_cart(const CartState* cart, const CommandMeta& meta, EventSink& out);
Status decide_checkout(const CartState* cart, const OrderState* existing_order,
                       const ProductMap& products, const Checkout& c, const CommandMeta& meta,
                       EventSink& out);

// evolve helpers (assign only)
void set_line(CartState& cart, const Uuid& product, int64_t quantity);  // 0 removes

}  // namespace orderly::commands
