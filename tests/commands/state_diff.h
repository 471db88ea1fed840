// Compares two writer states field by field; "" when equal, else the first
// difference found, for test messages. And the state as the writer
// snapshot gives it back.
#pragma once

#include <sstream>
#include <string>

#include "commands/shop_state.h"
#include "commands/shop_state_snapshot.h"
#include "core/binary_codec.h"
#include "core/status.h"

namespace orderly::testing {

// `s` saved as the writer snapshot saves it, then loaded back.
inline Result<commands::ShopState> snapshot_round_trip(const commands::ShopState& s) {
  BinaryWriter out;
  commands::save_state(s, out);
  const std::string bytes = out.take();
  BinaryReader in(bytes);
  commands::ShopState loaded;
  if (Status st = commands::load_state(in, loaded); !st.is_ok())
    return st;
  return loaded;
}

// A state folded from every event in `sink`, as a restart without a
// snapshot folds the log.
inline commands::ShopState fold_events(const commands::EventSink& sink) {
  commands::ShopState s;
  for (size_t k = 0; k < sink.size(); ++k) {
    const auto& e = sink.event(k);
    commands::apply(s, e.aggregate, e.id, e.type, sink.payload(k).data());
  }
  return s;
}

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
        p.sku != q.sku || p.currency != q.currency || p.category != q.category) {
      out << "product " << id.to_string() << ": stock " << p.stock << "/" << q.stock << " reserved "
          << p.reserved << "/" << q.reserved << " version " << p.version << "/" << q.version;
      return out.str();
    }
  }
  for (const auto& [id, p] : a.products) {
    const auto& q = b.products.find(id)->second;
    bool images_equal = p.images.size() == q.images.size();
    for (size_t i = 0; images_equal && i < p.images.size(); ++i) {
      images_equal = p.images[i].id == q.images[i].id &&
                     p.images[i].original_hash == q.images[i].original_hash;
    }
    if (!images_equal)
      return "product " + id.to_string() + ": images differ";
  }
  if (size_diff("categories", a.categories.by_id.size(), b.categories.by_id.size()) ||
      size_diff("category names", a.categories.by_name.size(), b.categories.by_name.size()))
    return out.str();
  for (const auto& [id, c] : a.categories.by_id) {
    auto it = b.categories.by_id.find(id);
    if (it == b.categories.by_id.end())
      return "category " + c.slug + " missing";
    const auto& d = it->second;
    if (c.slug != d.slug || c.name != d.name || c.description != d.description ||
        c.version != d.version || c.exists != d.exists || c.active_products != d.active_products)
      return "category " + c.slug + " differs";
  }
  if (a.categories.by_name != b.categories.by_name)
    return "category names differ";
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
        o.version != q.version || o.expires_at != q.expires_at || o.paid_by != q.paid_by ||
        o.placed_at != q.placed_at || !lines_equal) {
      return "order " + id.to_string() + " differs";
    }
  }
  // The holds index (kept step by step) against the other state's.
  if (size_diff("holds", a.holds.size(), b.holds.size()))
    return out.str();
  for (const auto& [user, h] : a.holds) {
    auto it = b.holds.find(user);
    if (it == b.holds.end() || it->second.pending_orders != h.pending_orders ||
        it->second.pending_cents != h.pending_cents || it->second.units != h.units) {
      return "holds of user " + user.to_string() + " differ";
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
        it->second.order_id != p.order_id ||
        it->second.pending_refund_cents != p.pending_refund_cents ||
        it->second.attempts != p.attempts || it->second.method != p.method ||
        it->second.via_provider != p.via_provider || it->second.disputed != p.disputed ||
        it->second.refunds.size() != p.refunds.size()) {
      return "payment " + id.to_string() + " differs";
    }
    for (size_t i = 0; i < p.refunds.size(); ++i) {
      const commands::RefundState &x = p.refunds[i], &y = it->second.refunds[i];
      if (x.id != y.id || x.amount_cents != y.amount_cents || x.reason != y.reason ||
          x.status != y.status)
        return "payment " + id.to_string() + " refund " + std::to_string(i) + " differs";
    }
  }
  if (size_diff("provider events", a.provider_events.size(), b.provider_events.size()))
    return out.str();
  for (const auto& [key, e] : a.provider_events) {
    auto it = b.provider_events.find(key);
    if (it == b.provider_events.end() || it->second.payment_id != e.payment_id ||
        it->second.version != e.version)
      return "provider event " + key.to_string() + " differs";
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
  for (const auto& [id, u] : a.users) {
    const auto& v = b.users.find(id)->second;
    if (u.username != v.username || u.families.size() != v.families.size())
      return "user " + id.to_string() + " differs";
    auto same_pending = [](const commands::PendingToken& x, const commands::PendingToken& y) {
      return x.token_id == y.token_id && x.token_hash == y.token_hash && x.email == y.email &&
             x.expires_at == y.expires_at;
    };
    if (u.display_name != v.display_name || u.email_verified != v.email_verified ||
        u.status != v.status || u.password_digest != v.password_digest ||
        !same_pending(u.verification, v.verification) || !same_pending(u.reset, v.reset))
      return "user " + id.to_string() + " account differs";
    if (u.identities.size() != v.identities.size() || u.addresses.size() != v.addresses.size())
      return "user " + id.to_string() + " identities or addresses differ";
    for (size_t i = 0; i < u.identities.size(); ++i) {
      if (u.identities[i].issuer != v.identities[i].issuer ||
          u.identities[i].subject != v.identities[i].subject)
        return "user " + id.to_string() + " identity differs";
    }
    for (size_t i = 0; i < u.addresses.size(); ++i) {
      const auto& x = u.addresses[i];
      const auto& y = v.addresses[i];
      if (x.address_id != y.address_id || x.name != y.name || x.line1 != y.line1 ||
          x.line2 != y.line2 || x.city != y.city || x.postal_code != y.postal_code ||
          x.country != y.country || x.phone != y.phone || x.is_default != y.is_default)
        return "user " + id.to_string() + " address differs";
    }
    for (const auto& [family, f] : u.families) {
      auto it = v.families.find(family);
      if (it == v.families.end() || it->second.current != f.current ||
          it->second.expires_at != f.expires_at || it->second.revoked != f.revoked ||
          it->second.rotated != f.rotated)
        return "refresh token family " + family.to_string() + " differs";
    }
    for (const auto& [token, t] : u.tokens) {
      auto it = v.tokens.find(token);
      if (it == v.tokens.end() || it->second.family_id != t.family_id ||
          it->second.token_hash != t.token_hash || it->second.expires_at != t.expires_at ||
          it->second.status != t.status)
        return "refresh token " + token.to_string() + " differs";
    }
  }
  if (a.usernames != b.usernames || a.emails != b.emails || a.identities != b.identities ||
      a.active_admins != b.active_admins)
    return "the account indexes differ";
  if (size_diff("notifications", a.notifications.size(), b.notifications.size()))
    return out.str();
  for (const auto& [id, n] : a.notifications) {
    auto it = b.notifications.find(id);
    if (it == b.notifications.end() || it->second.user_id != n.user_id ||
        it->second.attempts != n.attempts || it->second.version != n.version ||
        it->second.status != n.status)
      return "notification " + id.to_string() + " differs";
  }
  if (size_diff("open payments", a.open_payment_by_order.size(), b.open_payment_by_order.size()))
    return out.str();
  for (const auto& [order, payment] : a.open_payment_by_order) {
    auto it = b.open_payment_by_order.find(order);
    if (it == b.open_payment_by_order.end() || it->second != payment)
      return "open payment of order " + order.to_string() + " differs";
  }
  for (const auto& [id, c] : a.carts) {
    const auto& lines = b.carts.find(id)->second.lines;
    for (size_t i = 0; i < c.lines.size(); ++i) {
      if (c.lines[i].product_id != lines[i].product_id ||
          c.lines[i].quantity != lines[i].quantity ||
          c.lines[i].unit_price_cents != lines[i].unit_price_cents)
        return "cart " + id.to_string() + " lines differ";
    }
  }

  if (a.skus != b.skus || a.usernames != b.usernames || a.emails != b.emails)
    return "an index differs";
  return "";
}

// The expiry queues, entry by entry in pop order, stale entries included.
// Not part of diff_states: a refolded state keeps entries the live writer
// has already popped. A snapshot, though, keeps them exactly.
inline std::string diff_expiries(const commands::ShopState& a, const commands::ShopState& b) {
  auto ea = a.expiries, eb = b.expiries;
  if (ea.size() != eb.size())
    return "expiries: " + std::to_string(ea.size()) + " vs " + std::to_string(eb.size());
  for (; !ea.empty(); ea.pop(), eb.pop()) {
    if (ea.top() != eb.top())
      return "expiry queues differ";
  }
  return "";
}

}  // namespace orderly::testing
