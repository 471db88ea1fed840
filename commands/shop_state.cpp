// apply(): each event goes to its aggregate's evolve (commands/<aggregate>.cpp
// holds its rules); what spans aggregates stays here: the version of every
// stream, the shop-wide indexes (skus, usernames, emails, open payments by
// order, holds, expiries) and the stock side of an order's moves.
#include "commands/shop_state.h"
#include "core/text.h"

#include "core/category.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/schemas/product_events_generated.h"

namespace orderly::commands {

namespace {

template <typename T>
const T* as(const uint8_t* payload) {
  return flatbuffers::GetRoot<T>(payload);
}

// The stock side of an order's moves (rules in product.h).
void for_each_line(ShopState& s, const OrderState& o, void (*effect)(ProductState&, int64_t)) {
  for (const OrderItem& line : o.lines) {
    auto it = s.products.find(line.product_id);
    if (it != s.products.end())
      effect(it->second, line.quantity);
  }
}

bool is_active_admin(const UserState& u) {
  return u.role == "admin" && u.status == UserStatus::kActive;
}

// Drops `key` from `index` if it names `id` (another account may hold it by
// now: a case-distinct duplicate in an old log).
template <typename Index>
void unindex(Index& index, const std::string& key, const Uuid& id) {
  auto it = index.find(key);
  if (it != index.end() && it->second == id)
    index.erase(it);
}

void apply_user(ShopState& s, const Uuid& id, EventType type, const uint8_t* p) {
  UserState& u = s.users[id];
  ++u.version;
  const size_t tokens_before = u.tokens.size();
  const bool was_active_admin = is_active_admin(u);
  const std::string old_username = ascii_lower(u.username);
  const std::string old_email = u.email;
  evolve(u, type, p);
  switch (type) {
    case EventType::kUserRegistered:
      s.usernames[ascii_lower(u.username)] = id;
      s.emails[u.email] = id;
      break;
    case EventType::kUserProfileChanged:
      if (ascii_lower(u.username) != old_username) {
        unindex(s.usernames, old_username, id);
        s.usernames[ascii_lower(u.username)] = id;
      }
      break;
    case EventType::kUserEmailChanged:
      unindex(s.emails, old_email, id);
      s.emails[u.email] = id;
      break;
    case EventType::kUserIdentityLinked:
      s.identities[identity_key(u.identities.back().issuer, u.identities.back().subject)] = id;
      break;
    case EventType::kUserStatusChanged:
      if (u.status == UserStatus::kClosed) {  // free for someone else
        unindex(s.usernames, old_username, id);
        unindex(s.emails, old_email, id);
        for (const Identity& i : u.identities)
          unindex(s.identities, identity_key(i.issuer, i.subject), id);
      }
      break;
    default:
      break;
  }
  s.active_admins = s.active_admins + is_active_admin(u) - was_active_admin;
  // The count of refresh tokens held, kept with each change (a metric).
  s.refresh_tokens = s.refresh_tokens + u.tokens.size() - tokens_before;
}

// The category a product event names (core/category.h), made when an old
// log's event names one no event created.
Uuid category_of_event(ShopState& s, const flatbuffers::String* slug,
                       const flatbuffers::String* name) {
  const std::string_view text = name ? name->string_view() : std::string_view();
  return ensure_category(s.categories, slug, text);
}

void count_in_category(ShopState& s, const Uuid& category, int64_t delta) {
  s.categories.by_id[category].active_products += delta;
}

void apply_product(ShopState& s, const Uuid& id, EventType type, const uint8_t* p) {
  ProductState& product = s.products[id];
  ++product.version;
  switch (type) {
    case EventType::kProductCreated: {
      const auto& e = *as<events::ProductCreated>(p);
      evolve(product, e);
      s.skus[product.sku] = id;
      product.category = category_of_event(s, e.category_slug(), e.category());
      count_in_category(s, product.category, 1);
      break;
    }
    case EventType::kProductUpdated: {
      const auto& e = *as<events::ProductUpdated>(p);
      evolve(product, e);
      if (e.category()) {
        const Uuid category = category_of_event(s, e.category_slug(), e.category());
        if (!product.discontinued) {
          count_in_category(s, product.category, -1);
          count_in_category(s, category, 1);
        }
        product.category = category;
      }
      break;
    }
    case EventType::kProductPriceChanged:
      evolve(product, *as<events::ProductPriceChanged>(p));
      break;
    case EventType::kProductDiscontinued:
      if (!product.discontinued)
        count_in_category(s, product.category, -1);
      evolve_discontinued(product);
      break;
    case EventType::kStockChanged:
      evolve(product, *as<events::StockChanged>(p));
      break;
    case EventType::kProductImageAdded:
      evolve(product, *as<events::ProductImageAdded>(p));
      break;
    case EventType::kProductImagesReordered:
      evolve(product, *as<events::ProductImagesReordered>(p));
      break;
    case EventType::kProductImageRemoved:
      evolve(product, *as<events::ProductImageRemoved>(p));
      break;
    default:
      break;
  }
}

void apply_cart(ShopState& s, const Uuid& user, EventType type, const uint8_t* p) {
  CartState& cart = s.carts[user];
  ++cart.version;
  evolve(cart, type, p);
}

// A pending order leaves the holds index of its customer.
void release_hold(ShopState& s, const OrderState& o) {
  if (o.status != OrderStatus::kPending)
    return;
  auto it = s.holds.find(o.user_id);
  if (it == s.holds.end())
    return;
  remove_hold(it->second, o);
  if (it->second.pending_orders <= 0)
    s.holds.erase(it);
}

void apply_order(ShopState& s, const Uuid& id, EventType type, const uint8_t* p) {
  OrderState& o = s.orders[id];
  ++o.version;
  switch (type) {
    case EventType::kOrderPlaced:
      evolve_placed(o, *as<events::OrderPlaced>(p));
      for_each_line(s, o, reserve);
      s.expiries.emplace(o.expires_at, id);
      add_hold(s.holds[o.user_id], o);
      break;
    case EventType::kOrderConfirmed:
      o.paid_by = fb_uuid(as<events::OrderConfirmed>(p)->payment_id());
      for_each_line(s, o, commit_reservation);
      release_hold(s, o);
      evolve_status(o, OrderStatus::kConfirmed);
      break;
    case EventType::kOrderShipped:
      evolve_status(o, OrderStatus::kShipped);
      break;
    case EventType::kOrderDelivered:
      evolve_status(o, OrderStatus::kDelivered);
      break;
    case EventType::kOrderCancelled:
      // Pending: the reservation is released. Confirmed: the sold units come back.
      for_each_line(s, o, o.status == OrderStatus::kPending ? release : restock);
      release_hold(s, o);
      evolve_status(o, OrderStatus::kCancelled);
      break;
    default:
      break;
  }
}

void apply_payment(ShopState& s, const Uuid& id, EventType type, const uint8_t* p) {
  PaymentState& pay = s.payments[id];
  ++pay.version;
  evolve(pay, type, p);
  switch (type) {
    case EventType::kPaymentCreated:
      s.open_payment_by_order[pay.order_id] = id;
      break;
    case EventType::kPaymentWebhookReceived: {
      const auto* e = flatbuffers::GetRoot<events::PaymentWebhookReceived>(p);
      s.provider_events[provider_event_key(fb_view(e->provider_event_id()))].payment_id = id;
      break;
    }
    default:
      if (payment_is_closed(pay.status)) {
        auto it = s.open_payment_by_order.find(pay.order_id);
        if (it != s.open_payment_by_order.end() && it->second == id)
          s.open_payment_by_order.erase(pay.order_id);
      }
      break;
  }
}

// A webhook for a payment Orderly does not know: its record is its own
// stream, remembered so that a replay of it is a duplicate.
void apply_webhook(ShopState& s, const Uuid& id) {
  ++s.provider_events[id].version;
}

void apply_notification(ShopState& s, const Uuid& id, EventType type, const uint8_t* p) {
  // A batch of WebSocket push outcomes is a stream of one event that no
  // command decides against: no state (else one entry a second, forever).
  if (type == EventType::kWebSocketPushesRecorded)
    return;
  NotificationState& n = s.notifications[id];
  ++n.version;
  evolve(n, type, p);
}

}  // namespace

void apply(ShopState& s, Aggregate aggregate, const Uuid& id, EventType type,
           const uint8_t* payload) {
  switch (aggregate) {
    case Aggregate::kUser:
      apply_user(s, id, type, payload);
      break;
    case Aggregate::kProduct:
      apply_product(s, id, type, payload);
      break;
    case Aggregate::kCart:
      apply_cart(s, id, type, payload);
      break;
    case Aggregate::kOrder:
      apply_order(s, id, type, payload);
      break;
    case Aggregate::kPayment:
      apply_payment(s, id, type, payload);
      break;
    case Aggregate::kNotification:
      apply_notification(s, id, type, payload);
      break;
    case Aggregate::kAnalytics:
      break;  // counted by the stats read model; nothing to decide against
    case Aggregate::kCategory:
      apply_category_event(s.categories, id, type, payload);
      break;
    case Aggregate::kWebhook:
      apply_webhook(s, id);
      break;
  }
}

void apply_logged(ShopState& s, const EventView& event) {
  Aggregate aggregate;
  Uuid id;
  if (parse_stream_name(event.stream(), &aggregate, &id)) {
    apply(s, aggregate, id, event.type(), event.payload().data());
    // Orders placed before OrderPlaced carried the decision's clock take
    // the log's, so that their refunds name the day the statistics count
    // them on (stats.cpp: the day of the event's time for such orders).
    if (event.type() == EventType::kOrderPlaced) {
      OrderState& o = s.orders[id];
      if (o.placed_at == 0)
        o.placed_at = event.time_us();
    }
  }
  s.position = event.position();
}

void rebuild_holds(ShopState& s) {
  s.holds.clear();
  for (const auto& [id, o] : s.orders) {
    if (o.status == OrderStatus::kPending)
      add_hold(s.holds[o.user_id], o);
  }
}

uint32_t version_of(const ShopState& s, Aggregate aggregate, const Uuid& id) {
  auto find = [&](const auto& map) -> uint32_t {
    auto it = map.find(id);
    return it == map.end() ? 0 : it->second.version;
  };
  switch (aggregate) {
    case Aggregate::kUser:
      return find(s.users);
    case Aggregate::kProduct:
      return find(s.products);
    case Aggregate::kCart:
      return find(s.carts);
    case Aggregate::kOrder:
      return find(s.orders);
    case Aggregate::kPayment:
      return find(s.payments);
    case Aggregate::kNotification:
      return find(s.notifications);
    case Aggregate::kAnalytics:
      return 0;  // every batch is a new stream
    case Aggregate::kCategory: {
      auto it = s.categories.by_id.find(id);
      return it == s.categories.by_id.end() ? 0 : it->second.version;
    }
    case Aggregate::kWebhook: {
      auto it = s.provider_events.find(id);
      return it == s.provider_events.end() ? 0 : it->second.version;
    }
  }
  return 0;
}

}  // namespace orderly::commands
