// Bodies of the cart and order routes to commands
// (api/rest/routes/orders.cpp): pure functions of the JSON object, shared by
// the handlers, the unit tests and the fuzz target. Errors: invalid_argument
// naming every wrong field (api/rest/requests/parsed.h).
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "commands/command.h"
#include "core/clock.h"
#include "core/status.h"
#include "core/uuid.h"

namespace orderly::api::rest::requests {

// POST /api/cart/items
Result<commands::AddToCart> cart_line_from(const boost::json::object& body);
// PUT /api/cart/items/{product_id}
Result<commands::SetCartQuantity> cart_quantity_from(const boost::json::object& body,
                                                     const Uuid& product);
// Where an order goes: `shipping_address` as text (as before) or as an
// address object {name, line1, line2?, city, postal_code, country, phone?},
// or `shipping_address_id`, a saved address of the caller (the writer
// resolves it); at most one of them, none for no address.
struct ShippingChoice {
  std::string text;
  std::optional<commands::Address> address;
  Uuid saved_id;
};
// POST /api/cart/checkout with a body: its shipping choice.
Result<ShippingChoice> checkout_address_from(const boost::json::object& body);
// POST /api/orders as order `id`, holding its stock for `reservation_ttl_us`:
// at most 100 lines, each {product_id, quantity} (errors name items[i].field),
// and the shipping choice above.
Result<commands::PlaceOrder> place_order_from(const boost::json::object& body, const Uuid& id,
                                              TimestampUs reservation_ttl_us);
// PUT /api/orders/{id}/status
Result<commands::ChangeOrderStatus> order_status_from(const boost::json::object& body,
                                                      const Uuid& order);
// The payment routes' bodies: requests/payments.h.

}  // namespace orderly::api::rest::requests
