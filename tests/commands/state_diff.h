// Compares two writer states field by field; "" when equal, else the first
// difference found, for test messages.
#pragma once

#include <sstream>
#include <string>

#include "commands/shop_state.h"

namespace orderly::testing {

inline std::string diff_states(const commands::ShopState& a, const commands::ShopState& b) {
  std::ostringstream out;
  auto size_diff = [&](const char* what, size_t x, size_t y) {
    if (x != y)
      out << what << ": " << x << " vs " << y << " entries";
    return x != y;
  };
  if (size_diff("products", a.products.size(), b.products.size()))
    return out.str();
  for (const auto& [id, p] : a.products) {
    auto it = b.products.find(id);
    if (it == b.products.end())
      return "product " + id.to_string() + " missing";
    const auto& q = it->second;
    if (p.name != q.name || p.price_cents != q.price_cents || p.stock != q.stock ||
        p.reserved != q.reserved || p.version != q.version || p.discontinued != q.discontinued ||
        p.sku != q.sku) {
      out << "product " << id.to_string() << ": stock " << p.stock << "/" << q.stock << " reserved "
          << p.reserved << "/" << q.reserved << " version " << p.version << "/" << q.version;
      return out.str();
    }
  }
  if (size_diff("orders", a.orders.size(), b.orders.size()))
    return out.str();
  for (const auto& [id, o] : a.orders) {
    auto it = b.orders.find(id);
    if (it == b.orders.end())
      return "order " + id.to_string() + " missing";
    const auto& q = it->second;
    bool lines_equal = o.lines.size() == q.lines.size();
    for (size_t i = 0; lines_equal && i < o.lines.size(); ++i) {
      lines_equal = o.lines[i].product_id == q.lines[i].product_id &&
                    o.lines[i].quantity == q.lines[i].quantity;
    }
    if (o.user_id != q.user_id || o.status != q.status || o.total_cents != q.total_cents ||
        o.version != q.version || o.expires_at != q.expires_at || !lines_equal) {
      return "order " + id.to_string() + " differs";
    }
  }
  if (size_diff("carts", a.carts.size(), b.carts.size()))
    return out.str();
  for (const auto& [id, c] : a.carts) {
    auto it = b.carts.find(id);
    if (it == b.carts.end() || it->second.version != c.version ||
        it->second.lines.size() != c.lines.size()) {
      return "cart " + id.to_string() + " differs";
    }
  }
  if (size_diff("payments", a.payments.size(), b.payments.size()))
    return out.str();
  for (const auto& [id, p] : a.payments) {
    auto it = b.payments.find(id);
    if (it == b.payments.end() || it->second.status != p.status ||
        it->second.amount_cents != p.amount_cents ||
        it->second.refunded_cents != p.refunded_cents || it->second.version != p.version ||
        it->second.order_id != p.order_id) {
      return "payment " + id.to_string() + " differs";
    }
  }
  if (size_diff("users", a.users.size(), b.users.size()))
    return out.str();
  for (const auto& [id, u] : a.users) {
    auto it = b.users.find(id);
    if (it == b.users.end() || it->second.role != u.role || it->second.version != u.version ||
        it->second.email != u.email || it->second.tokens.size() != u.tokens.size()) {
      return "user " + id.to_string() + " differs";
    }
  }
  if (size_diff("notifications", a.notifications.size(), b.notifications.size()))
    return out.str();
  if (size_diff("open payments", a.open_payment_by_order.size(), b.open_payment_by_order.size()))
    return out.str();
  if (a.skus != b.skus || a.usernames != b.usernames || a.emails != b.emails)
    return "an index differs";
  return "";
}

}  // namespace orderly::testing
