// Cart: one per user (stream "cart-<user id>"), lines of product, quantity
// and the unit price the customer saw when adding it.
//
// A line never holds more than the product has available when it is added
// or changed (insufficient_stock naming the line); the order still decides
// at checkout, since stock moves in between. Checkout places an order with
// the cart's lines (order.h rules) and empties the cart in the same atomic
// decision, unless a line's price changed since it was added: then the
// checkout is refused with price_changed naming each such line with its old
// and new price, and the refusal records the new prices in the cart
// (CartItemPriceChanged), so the next checkout, at prices the customer has
// now been shown, goes through.
#pragma once

#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/input_limits.h"
#include "commands/order.h"
#include "commands/product.h"
#include "core/status.h"

namespace orderly::commands {

// A line added before carts kept prices: it takes the price at checkout.
inline constexpr int64_t kUnknownPrice = -1;

struct CartLine {
  Uuid product_id;
  int64_t quantity = 0;
  int64_t unit_price_cents = kUnknownPrice;  // when added
};

struct CartState {
  std::vector<CartLine> lines;
  uint32_t version = 0;
};

using CartMap = BigUuidMap<CartState>;

Status decide_add_to_cart(const CartState* cart, const ProductMap& products, const AddToCart& c,
                          const CommandMeta& meta, EventSink& out);
Status decide_set_cart_quantity(const CartState* cart, const ProductMap& products,
                                const SetCartQuantity& c, const CommandMeta& meta, EventSink& out);
Status decide_remove_from_cart(const CartState* cart, const RemoveFromCart& c,
                               const CommandMeta& meta, EventSink& out);
Status decide_clear_cart(const CartState* cart, const CommandMeta& meta, EventSink& out);
// On price_changed, `out` holds the CartItemPriceChanged events, which the
// processor records although the command is refused. `held` and `limits`:
// the customer's holds, as for decide_place_order.
Status decide_checkout(const CartState* cart, const OrderState* existing_order,
                       const ProductMap& products, std::string_view currency,
                       const CustomerHolds* held, const HoldLimits& limits, const Checkout& c,
                       const CommandMeta& meta, EventSink& out);

// evolve: folds one event of the cart's stream into it (assigns, never
// validates; REQUIRES: `payload` is a verified FlatBuffer of `type`). The
// version is kept by commands/shop_state.cpp's apply().
void evolve(CartState& cart, EventType type, const uint8_t* payload);

// evolve helpers (assign only). set_line: quantity 0 removes; a negative
// price keeps the line's price.
void set_line(CartState& cart, const Uuid& product, int64_t quantity, int64_t unit_price_cents);
void set_line_price(CartState& cart, const Uuid& product, int64_t unit_price_cents);

}  // namespace orderly::commands
