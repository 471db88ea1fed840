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

namespace {

// The shipping choice of `body` (see ShippingChoice); wrong fields into `f`.
// The address's own rules (lengths, country code) are the writer's, which
// names them shipping_address.<field>.
ShippingChoice shipping_from(Fields& f, const boost::json::object& body) {
  ShippingChoice s;
  auto it = body.find("shipping_address");
  const bool has_object = it != body.end() && it->value().is_object();
  if (has_object) {
    const auto& o = it->value().as_object();
    Fields a(o);
    a.only({"name", "line1", "line2", "city", "postal_code", "country", "phone"});
    Address address;
    address.name = a.str("name", true, kMaxShippingAddressBytes).value_or("");
    address.line1 = a.str("line1", true, kMaxShippingAddressBytes).value_or("");
    address.line2 = a.str("line2", false, kMaxShippingAddressBytes).value_or("");
    address.city = a.str("city", true, kMaxShippingAddressBytes).value_or("");
    address.postal_code = a.str("postal_code", true, kMaxShippingAddressBytes).value_or("");
    address.country = a.str("country", true, kMaxShippingAddressBytes).value_or("");
    address.phone = a.str("phone", false, kMaxShippingAddressBytes).value_or("");
    for (const auto& e : a.errors())
      f.add("shipping_address." + e.field, e.message);
    s.address = std::move(address);
  } else {
    s.text = f.str("shipping_address", false, kMaxShippingAddressBytes).value_or("");
  }
  s.saved_id = f.id("shipping_address_id", false).value_or(Uuid{});
  if (!s.saved_id.is_nil() && (s.address || !s.text.empty()))
    f.add("shipping_address_id", "send shipping_address_id or shipping_address, not both");
  return s;
}

}  // namespace

Result<ShippingChoice> checkout_address_from(const boost::json::object& body) {
  Fields f(body);
  f.only({"shipping_address", "shipping_address_id"});
  ShippingChoice s = shipping_from(f, body);
  if (!f.ok())
    return invalid_fields("the checkout is not valid", f);
  return s;
}

Result<PlaceOrder> place_order_from(const boost::json::object& body, const Uuid& id,
                                    TimestampUs reservation_ttl_us) {
  Fields f(body);
  f.only({"items", "shipping_address", "shipping_address_id"});
  PlaceOrder c;
  c.order_id = id;
  c.reservation_ttl_us = reservation_ttl_us;
  ShippingChoice shipping = shipping_from(f, body);
  c.shipping_address = std::move(shipping.text);
  c.shipping = std::move(shipping.address);
  c.shipping_address_id = shipping.saved_id;
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
  f.only({"status", "cash_collected"});
  const auto text = f.str("status", true, 32);
  const auto status = text ? parse_order_status(*text) : std::nullopt;
  if (text && !status)
    f.add("status", "must be pending, confirmed, shipped, delivered or cancelled");
  const auto cash = f.boolean("cash_collected", false);
  if (!f.ok())
    return invalid_fields("the status is not valid", f);
  return ChangeOrderStatus{order, *status, cash.value_or(false)};
}

}  // namespace orderly::api::rest::requests
