#include "api/rest/inspect.h"

#include "commands/payment.h"
#include "core/event_json.h"

namespace orderly::api::rest {

using namespace orderly::commands;

namespace {

std::string num(int64_t v) {
  return std::to_string(v);
}

std::string items_json(const std::vector<OrderItem>& lines) {
  std::string out = "[";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i)
      out += ",";
    out += "{\"product_id\":" + json_quote(lines[i].product_id.to_string()) +
           ",\"quantity\":" + num(lines[i].quantity) + "}";
  }
  return out + "]";
}

std::string_view notification_status(NotificationStatus s) {
  return s == NotificationStatus::kSent     ? "sent"
         : s == NotificationStatus::kFailed ? "failed"
                                            : "pending";
}

}  // namespace

std::string state_json(const ShopState& s, Aggregate aggregate, const Uuid& id) {
  switch (aggregate) {
    case Aggregate::kProduct: {
      auto it = s.products.find(id);
      if (it == s.products.end())
        return "null";
      const ProductState& p = it->second;
      return "{\"name\":" + json_quote(p.name) + ",\"sku\":" + json_quote(p.sku) +
             ",\"currency\":" + json_quote(p.currency) + ",\"price_cents\":" + num(p.price_cents) +
             ",\"stock\":" + num(p.stock) + ",\"reserved\":" + num(p.reserved) +
             ",\"available\":" + num(p.available()) +
             ",\"status\":" + (p.discontinued ? "\"discontinued\"" : "\"active\"") +
             ",\"images\":" + num(static_cast<int64_t>(p.images.size())) + "}";
    }
    case Aggregate::kCategory: {
      auto it = s.categories.by_id.find(id);
      if (it == s.categories.by_id.end())
        return "null";
      const CategoryState& c = it->second;
      return "{\"slug\":" + json_quote(c.slug) + ",\"name\":" + json_quote(c.name) +
             ",\"exists\":" + (c.exists ? "true" : "false") +
             ",\"active_products\":" + num(c.active_products) + "}";
    }
    case Aggregate::kOrder: {
      auto it = s.orders.find(id);
      if (it == s.orders.end())
        return "null";
      const OrderState& o = it->second;
      return "{\"user_id\":" + json_quote(o.user_id.to_string()) +
             ",\"status\":" + json_quote(order_status_name(o.status)) +
             (o.paid_by.is_nil() ? std::string()
                                 : ",\"paid_by\":" + json_quote(o.paid_by.to_string())) +
             ",\"total_cents\":" + num(o.total_cents) +
             ",\"reservation_expires_at\":" + json_quote(format_rfc3339(o.expires_at)) +
             ",\"items\":" + items_json(o.lines) + "}";
    }
    case Aggregate::kCart: {
      auto it = s.carts.find(id);
      if (it == s.carts.end())
        return "null";
      std::string items = "[";
      for (const CartLine& l : it->second.lines) {
        if (items.size() > 1)
          items += ",";
        items += "{\"product_id\":" + json_quote(l.product_id.to_string()) +
                 ",\"quantity\":" + num(l.quantity) +
                 ",\"unit_price_cents\":" + num(l.unit_price_cents) + "}";
      }
      return "{\"items\":" + items + "]}";
    }
    case Aggregate::kPayment: {
      auto it = s.payments.find(id);
      if (it == s.payments.end())
        return "null";
      const PaymentState& p = it->second;
      return "{\"order_id\":" + json_quote(p.order_id.to_string()) +
             ",\"user_id\":" + json_quote(p.user_id.to_string()) +
             ",\"status\":" + json_quote(payment_status_name(p.status)) +
             ",\"payment_method\":" + json_quote(payment_method_name(p.method)) +
             ",\"attempts\":" + num(p.attempts) + ",\"amount_cents\":" + num(p.amount_cents) +
             ",\"refunded_cents\":" + num(p.refunded_cents) +
             ",\"pending_refund_cents\":" + num(p.pending_refund_cents) +
             ",\"disputed\":" + (p.disputed ? "true" : "false") + "}";
    }
    case Aggregate::kWebhook: {
      auto it = s.provider_events.find(id);
      if (it == s.provider_events.end())
        return "null";
      return "{\"deliveries\":" + num(it->second.version) + "}";
    }
    case Aggregate::kUser: {
      auto it = s.users.find(id);
      if (it == s.users.end())
        return "null";
      const UserState& u = it->second;
      size_t active = 0, revoked_families = 0;
      for (const auto& [tid, t] : u.tokens)
        active += t.status == TokenStatus::kActive;
      for (const auto& [fid, f] : u.families)
        revoked_families += f.revoked;
      return "{\"username\":" + json_quote(u.username) + ",\"email\":" + json_quote(u.email) +
             ",\"role\":" + json_quote(u.role) +
             ",\"active_refresh_tokens\":" + std::to_string(active) +
             ",\"revoked_token_families\":" + std::to_string(revoked_families) +
             ",\"refresh_tokens_held\":" + std::to_string(u.tokens.size()) + "}";
    }
    case Aggregate::kNotification: {
      auto it = s.notifications.find(id);
      if (it == s.notifications.end())
        return "null";
      const NotificationState& n = it->second;
      return "{\"user_id\":" + json_quote(n.user_id.to_string()) +
             ",\"status\":" + json_quote(notification_status(n.status)) +
             ",\"attempts\":" + std::to_string(n.attempts) + "}";
    }
    case Aggregate::kAnalytics:
      return "null";  // a batch of counts: see its event
  }
  return "null";
}

Result<std::string> inspect_stream_json(const eventstore::EventStore& store,
                                        std::string_view stream, uint64_t at_version,
                                        std::optional<TimestampUs> at_time) {
  commands::Aggregate aggregate;
  Uuid id;
  if (!commands::parse_stream_name(std::string(stream), &aggregate, &id)) {
    return Status::invalid_argument(std::string(stream) +
                                    " is not a stream of user, product, cart, order, payment, "
                                    "notification or category");
  }
  auto events = store.read_stream(stream, 1, UINT64_MAX);
  if (!events)
    return events.status();
  // The stream's events up to the version or time asked for.
  size_t n = 0;
  while (n < events->size() && (at_version == 0 || (*events)[n]->version() <= at_version) &&
         (!at_time || (*events)[n]->time_us() <= *at_time)) {
    ++n;
  }
  if (n == 0) {
    return Status::not_found(std::string(stream) + " has no events" +
                             (events->empty() ? "" : " at that point"));
  }
  // As of a version: the log up to that event. As of a time, or now: the log
  // up to then, since other streams' events (orders) move a product's stock.
  const uint64_t position = at_version != 0 ? (*events)[n - 1]->position() : store.last_position();
  commands::ShopState state;
  eventstore::LogQuery q;
  q.to_position = position;
  ORDERLY_RETURN_IF_ERROR(store.scan(q, [&](const EventView& ev) {
    if (!at_time || ev.time_us() <= *at_time)
      commands::apply_logged(state, ev);
    return true;
  }));
  std::string out = "{\"stream\":" + json_quote(stream) +
                    ",\"version\":" + std::to_string((*events)[n - 1]->version()) +
                    ",\"position\":" + std::to_string((*events)[n - 1]->position()) +
                    ",\"time\":" + json_quote(format_rfc3339((*events)[n - 1]->time_us())) +
                    ",\"state\":" + state_json(state, aggregate, id) + ",\"events\":[";
  for (size_t i = 0; i < n; ++i) {
    if (i)
      out += ",";
    out += event_json_line((*events)[i].view());
  }
  out += "]}";
  return out;
}

}  // namespace orderly::api::rest
