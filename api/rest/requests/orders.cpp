#include "api/rest/requests/orders.h"

#include <boost/json.hpp>

#include "api/rest/requests/parsed.h"
#include "commands/input_limits.h"

namespace orderly::api::rest::requests {

using namespace commands;

Result<AddToCart> cart_line_from(const boost::json::object& body) {
  Fields f(body);
  f.only({"product_id", "quantity"});
  AddToCart c;
  c.product_id = f.id("product_id", true).value_or(Uuid{});
  c.quantity = f.integer("quantity", true).value_or(0);
  if (!f.ok())
    return invalid_fields("the cart line is not valid", f);
  return c;
}

Result<SetCartQuantity> cart_quantity_from(const boost::json::object& body, const Uuid& product) {
  Fields f(body);
  f.only({"quantity"});
  const auto quantity = f.integer("quantity", true);
  if (!f.ok())
    return invalid_fields("the quantity is not valid", f);
  return SetCartQuantity{product, *quantity};
}

Result<std::string> checkout_address_from(const boost::json::object& body) {
  Fields f(body);
  f.only({"shipping_address"});
  std::string address = f.str("shipping_address", false, kMaxShippingAddressBytes).value_or("");
  if (!f.ok())
    return invalid_fields("the checkout is not valid", f);
  return address;
}

Result<PlaceOrder> place_order_from(const boost::json::object& body, const Uuid& id,
                                    TimestampUs reservation_ttl_us) {
  Fields f(body);
  f.only({"items", "shipping_address"});
  PlaceOrder c;
  c.order_id = id;
  c.reservation_ttl_us = reservation_ttl_us;
  c.shipping_address = f.str("shipping_address", false, kMaxShippingAddressBytes).value_or("");
  auto items = body.find("items");
  if (items == body.end() || !items->value().is_array()) {
    f.add("items", "is required (an array of {product_id, quantity})");
  } else {
    const auto& arr = items->value().as_array();
    if (arr.size() > kMaxOrderLines)
      f.add("items", "at most " + std::to_string(kMaxOrderLines) + " lines");
    for (size_t i = 0; i < arr.size() && i < kMaxOrderLines; ++i) {
      const std::string at = "items[" + std::to_string(i) + "]";
      if (!arr[i].is_object()) {
        f.add(at, "must be an object {product_id, quantity}");
        continue;
      }
      Fields line(arr[i].as_object());
      line.only({"product_id", "quantity"});
      OrderItem item;
      item.product_id = line.id("product_id", true).value_or(Uuid{});
      item.quantity = line.integer("quantity", true).value_or(0);
      for (const auto& e : line.errors())
        f.add(at + "." + e.field, e.message);
      c.items.push_back(item);
    }
  }
  if (!f.ok())
    return invalid_fields("the order is not valid", f);
  return c;
}

Result<ChangeOrderStatus> order_status_from(const boost::json::object& body, const Uuid& order) {
  Fields f(body);
  f.only({"status"});
  const auto text = f.str("status", true, 32);
  const auto status = text ? parse_order_status(*text) : std::nullopt;
  if (text && !status)
    f.add("status", "must be pending, confirmed, shipped, delivered or cancelled");
  if (!f.ok())
    return invalid_fields("the status is not valid", f);
  return ChangeOrderStatus{order, *status};
}

Result<CreatePayment> payment_from(const boost::json::object& body, const Uuid& id) {
  Fields f(body);
  f.only({"order_id"});
  const auto order = f.id("order_id", true);
  if (!f.ok())
    return invalid_fields("the payment is not valid", f);
  return CreatePayment{id, *order};
}

Result<ConfirmPayment> payment_confirmation_from(const boost::json::object& body,
                                                 const Uuid& payment) {
  Fields f(body);
  f.only({"payment_method"});
  const auto method = f.str("payment_method", true, 64);
  if (!f.ok())
    return invalid_fields("the confirmation is not valid", f);
  return ConfirmPayment{payment, *method};
}

Result<std::optional<int64_t>> refund_amount_from(const boost::json::object& body) {
  Fields f(body);
  f.only({"amount_cents"});
  const auto amount = f.integer("amount_cents", false);
  if (!f.ok())
    return invalid_fields("the refund is not valid", f);
  return amount;
}

}  // namespace orderly::api::rest::requests
