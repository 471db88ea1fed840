#include "commands/order.h"

#include <unordered_set>

#include "commands/payment.h"
#include "commands/user.h"
#include "commands/validation.h"
#include "core/schemas/order_events_generated.h"

namespace orderly::commands {

namespace {

Status order_not_found(const Uuid& id) {
  return Status::not_found("order " + id.to_string() + " does not exist");
}

void emit_cancelled(EventSink& out, const Uuid& order_id, std::string_view reason, const Uuid* by) {
  out.emit(Aggregate::kOrder, order_id, EventType::kOrderCancelled,
           [&](flatbuffers::FlatBufferBuilder& b) {
             auto id = b.CreateString(order_id.to_string());
             auto r = b.CreateString(reason.data(), reason.size());
             auto who = by ? b.CreateString(by->to_string()) : 0;
             return events::CreateOrderCancelled(b, id, r, who);
           });
}

Status hold_limit(std::string message, std::vector<FieldError> fields = {}) {
  return {ErrorCode::kHoldLimitExceeded, std::move(message), std::move(fields)};
}

}  // namespace

Status check_hold_limits(const CustomerHolds* held, const HoldLimits& limits,
                         const std::vector<OrderItem>& lines, int64_t order_cents) {
  const CustomerHolds none;
  const CustomerHolds& h = held ? *held : none;
  const std::string unpaid = " (pay for or cancel an unpaid order first)";
  if (limits.max_pending_orders > 0 && h.pending_orders + 1 > limits.max_pending_orders) {
    return hold_limit("max_pending_orders: a customer may have at most " +
                      std::to_string(limits.max_pending_orders) + " unpaid orders" + unpaid);
  }
  int64_t value = 0;
  if (limits.max_pending_cents > 0 &&
      (__builtin_add_overflow(h.pending_cents, order_cents, &value) ||
       value > limits.max_pending_cents)) {
    return hold_limit("max_pending_cents: a customer's unpaid orders may be worth at most " +
                      std::to_string(limits.max_pending_cents) + " cents; this order would bring " +
                      "them to " + std::to_string(h.pending_cents) + " + " +
                      std::to_string(order_cents) + unpaid);
  }
  if (limits.max_units_per_product > 0) {
    std::vector<FieldError> over;
    for (size_t i = 0; i < lines.size(); ++i) {
      auto it = h.units.find(lines[i].product_id);
      const int64_t already = it == h.units.end() ? 0 : it->second;
      if (already + lines[i].quantity > limits.max_units_per_product) {
        over.push_back({"items[" + std::to_string(i) + "].quantity",
                        "asked for " + std::to_string(lines[i].quantity) + " with " +
                            std::to_string(already) + " already held unpaid; at most " +
                            std::to_string(limits.max_units_per_product) +
                            " units of one product may be held unpaid"});
      }
    }
    if (!over.empty()) {
      std::string message =
          "max_units_per_product: " + over.front().field + ": " + over.front().message + unpaid;
      return hold_limit(std::move(message), std::move(over));
    }
  }
  return Status::ok();
}

Status check_transition(OrderStatus from, OrderStatus to) {
  using S = OrderStatus;
  const bool ok = (from == S::kPending && to == S::kConfirmed) ||
                  (from == S::kConfirmed && to == S::kShipped) ||
                  (from == S::kShipped && to == S::kDelivered) ||
                  ((from == S::kPending || from == S::kConfirmed) && to == S::kCancelled);
  if (ok)
    return Status::ok();
  return {ErrorCode::kInvalidTransition,
          "an order cannot move from " + std::string(order_status_name(from)) + " to " +
              std::string(order_status_name(to)),
          {{"status", "from " + std::string(order_status_name(from)) + " to " +
                          std::string(order_status_name(to))}}};
}

bool may_access(const OrderState& o, const CommandMeta& meta) {
  return meta.role == Role::kAdmin || meta.role == Role::kEngine || o.user_id == meta.actor;
}

Status decide_place_order(const OrderState* existing, const ProductMap& products,
                          std::string_view currency, const CustomerHolds* held,
                          const HoldLimits& limits, const PlaceOrder& c, const CommandMeta& meta,
                          EventSink& out) {
  if (meta.actor.is_nil())
    return Status::unauthorized("placing an order needs a signed-in user");
  if (existing != nullptr)
    return Status::already_exists("order " + c.order_id.to_string() + " exists");
  if (c.items.empty())
    return Status::invalid_field("items", "must hold at least one line");
  if (c.items.size() > kMaxOrderLines) {
    return Status::invalid_field("items",
                                 "must hold at most " + std::to_string(kMaxOrderLines) + " lines");
  }
  ORDERLY_RETURN_IF_ERROR(
      require_text("shipping_address", c.shipping_address, 0, kMaxShippingAddressBytes));
  if (c.shipping) {
    if (!c.shipping_address.empty())
      return Status::invalid_field("shipping_address",
                                   "send an address as text or whole, not both");
    // Named as the request names them: shipping_address.<field>.
    if (Status st = validate_address(*c.shipping); !st.is_ok()) {
      std::vector<FieldError> fields = st.fields();
      for (FieldError& f : fields)
        f.field = "shipping_address." + f.field;
      return {ErrorCode::kInvalidArgument, "the shipping address is not valid", std::move(fields)};
    }
  }
  if (c.reservation_ttl_us <= 0)
    return Status::invalid_argument("reservation time-to-live must be positive");

  // Check every line before deciding, so the answer names every problem.
  std::vector<FieldError> invalid, short_lines;
  UuidSet seen;
  for (size_t i = 0; i < c.items.size(); ++i) {
    const OrderItem& item = c.items[i];
    const std::string field = "items[" + std::to_string(i) + "]";
    if (item.quantity < 1 || item.quantity > kMaxLineQuantity) {
      invalid.push_back(
          {field + ".quantity", "must be between 1 and " + std::to_string(kMaxLineQuantity)});
      continue;
    }
    if (!seen.insert(item.product_id).second) {
      invalid.push_back({field + ".product_id", "appears twice; put the quantities on one line"});
      continue;
    }
    auto it = products.find(item.product_id);
    const ProductState* p = it == products.end() ? nullptr : &it->second;
    if (p != nullptr && p->currency != currency) {
      invalid.push_back({field + ".product_id",
                         "product " + item.product_id.to_string() + " is priced in " + p->currency +
                             "; this shop sells in " + std::string(currency)});
      continue;
    }
    Status st = check_reservable(p, item.quantity);
    if (st.code() == ErrorCode::kInsufficientStock) {
      short_lines.push_back({field + ".quantity",
                             "asked for " + std::to_string(item.quantity) + ", " + st.message()});
    } else if (!st.is_ok()) {
      invalid.push_back(
          {field + ".product_id", "product " + item.product_id.to_string() + " " + st.message()});
    }
  }
  if (!invalid.empty())
    return {ErrorCode::kInvalidArgument, invalid.front().field + ": " + invalid.front().message,
            invalid};
  if (!short_lines.empty()) {
    return {
        ErrorCode::kInsufficientStock,
        std::to_string(short_lines.size()) + " line(s) cannot be reserved; nothing was reserved",
        short_lines};
  }

  // Snapshot names and prices; integer cents, checked for overflow.
  int64_t total = 0;
  for (size_t i = 0; i < c.items.size(); ++i) {
    const ProductState& p = products.at(c.items[i].product_id);
    int64_t line_total = 0;
    if (__builtin_mul_overflow(p.price_cents, c.items[i].quantity, &line_total) ||
        __builtin_add_overflow(total, line_total, &total) || total > kMaxOrderCents) {
      return Status::invalid_field("items",
                                   "the order total is too large: an order may be worth "
                                   "at most " +
                                       std::to_string(kMaxOrderCents) + " cents");
    }
  }
  ORDERLY_RETURN_IF_ERROR(check_hold_limits(held, limits, c.items, total));
  out.emit(Aggregate::kOrder, c.order_id, EventType::kOrderPlaced,
           [&](flatbuffers::FlatBufferBuilder& b) {
             std::vector<flatbuffers::Offset<events::OrderLine>> lines;
             lines.reserve(c.items.size());
             for (const OrderItem& item : c.items) {
               const ProductState& p = products.at(item.product_id);
               lines.push_back(events::CreateOrderLine(
                   b, b.CreateString(item.product_id.to_string()), b.CreateString(p.name),
                   p.price_cents, item.quantity, p.price_cents * item.quantity));
             }
             auto id = b.CreateString(c.order_id.to_string());
             auto user = b.CreateString(meta.actor.to_string());
             auto ls = b.CreateVector(lines);
             auto cur = b.CreateString(currency.data(), currency.size());
             auto address = c.shipping_address.empty() ? 0 : b.CreateString(c.shipping_address);
             flatbuffers::Offset<events::ShippingAddress> shipping = 0;
             if (c.shipping) {
               const Address& a = *c.shipping;
               shipping = events::CreateShippingAddressDirect(
                   b, a.address_id.is_nil() ? "" : a.address_id.to_string().c_str(), a.name.c_str(),
                   a.line1.c_str(), a.line2.c_str(), a.city.c_str(), a.postal_code.c_str(),
                   a.country.c_str(), a.phone.c_str());
             }
             return events::CreateOrderPlaced(b, id, user, ls, total, cur, address,
                                              meta.now + c.reservation_ttl_us, meta.now, shipping);
           });
  return Status::ok();
}

Status decide_change_order_status(const OrderState* o, const OrderPayments& pays,
                                  const ChangeOrderStatus& c, const CommandMeta& meta,
                                  EventSink& out) {
  // Strangers learn nothing, not even that the order exists; its owner is
  // told that only admins may do this.
  if (o == nullptr || !may_access(*o, meta))
    return order_not_found(c.order_id);
  if (meta.role != Role::kAdmin && meta.role != Role::kEngine) {
    return Status::forbidden("only admins change an order's status");
  }
  ORDERLY_RETURN_IF_ERROR(check_transition(o->status, c.to));
  if (c.cash_collected && c.to != OrderStatus::kDelivered)
    return Status::invalid_field("cash_collected", "is recorded with the delivery");
  const std::string id = c.order_id.to_string();
  const std::string by = meta.actor.is_nil() ? std::string() : meta.actor.to_string();
  switch (c.to) {
    case OrderStatus::kConfirmed:
      emit_order_confirmed(out, c.order_id, nullptr, meta.actor);
      break;
    case OrderStatus::kShipped:
      out.emit(Aggregate::kOrder, c.order_id, EventType::kOrderShipped,
               [&](flatbuffers::FlatBufferBuilder& b) {
                 return events::CreateOrderShippedDirect(b, id.c_str(),
                                                         by.empty() ? nullptr : by.c_str());
               });
      break;
    case OrderStatus::kDelivered:
      out.emit(Aggregate::kOrder, c.order_id, EventType::kOrderDelivered,
               [&](flatbuffers::FlatBufferBuilder& b) {
                 return events::CreateOrderDeliveredDirect(b, id.c_str(),
                                                           by.empty() ? nullptr : by.c_str());
               });
      if (c.cash_collected)
        ORDERLY_RETURN_IF_ERROR(collect_cash(out, pays));
      break;
    case OrderStatus::kCancelled:
      emit_cancelled(out, c.order_id, "admin", meta.actor.is_nil() ? nullptr : &meta.actor);
      settle_cancelled_order(out, c.order_id, *o, pays, false);
      break;
    case OrderStatus::kPending:
      break;  // check_transition refused it
  }
  return Status::ok();
}

Status decide_cancel_order(const OrderState* o, const OrderPayments& pays, const CancelOrder& c,
                           const CommandMeta& meta, EventSink& out) {
  if (o == nullptr || !may_access(*o, meta))
    return order_not_found(c.order_id);
  ORDERLY_RETURN_IF_ERROR(check_transition(o->status, OrderStatus::kCancelled));
  ORDERLY_RETURN_IF_ERROR(require_text("reason", c.reason, 1, kMaxCancelReasonBytes));
  emit_cancelled(out, c.order_id, c.reason, meta.actor.is_nil() ? nullptr : &meta.actor);
  settle_cancelled_order(out, c.order_id, *o, pays, false);
  return Status::ok();
}

Status decide_expire_order(const OrderState* o, const OrderPayments& pays, const ExpireOrder& c,
                           const CommandMeta& meta, EventSink& out) {
  if (meta.role != Role::kEngine)
    return Status::forbidden("only the engine expires reservations");
  if (o == nullptr)
    return order_not_found(c.order_id);
  if (o->status != OrderStatus::kPending) {
    return Status::invalid_transition("order " + c.order_id.to_string() + " is " +
                                      std::string(order_status_name(o->status)) + ", not pending");
  }
  if (meta.now < o->expires_at)
    return Status::invalid_argument("the reservation has not expired yet");
  emit_cancelled(out, c.order_id, "reservation_expired", nullptr);
  settle_cancelled_order(out, c.order_id, *o, pays, true);
  return Status::ok();
}

void emit_order_confirmed(EventSink& out, const Uuid& order_id, const Uuid* payment_id,
                          const Uuid& by) {
  out.emit(Aggregate::kOrder, order_id, EventType::kOrderConfirmed,
           [&](flatbuffers::FlatBufferBuilder& b) {
             auto id = b.CreateString(order_id.to_string());
             auto pay = payment_id ? b.CreateString(payment_id->to_string()) : 0;
             auto who = by.is_nil() ? 0 : b.CreateString(by.to_string());
             return events::CreateOrderConfirmed(b, id, pay, who);
           });
}

void evolve_placed(OrderState& o, const events::OrderPlaced& e) {
  o.user_id = e.user_id() ? Uuid::parse(e.user_id()->string_view()).value_or(Uuid{}) : Uuid{};
  o.paid_by = Uuid{};
  o.total_cents = e.total_cents();
  o.expires_at = e.reservation_expires_at_us();
  o.placed_at = e.placed_at_us();
  o.status = OrderStatus::kPending;
  o.lines.clear();
  if (e.lines()) {
    o.lines.reserve(e.lines()->size());
    for (const auto* line : *e.lines()) {
      o.lines.push_back(
          {Uuid::parse(line->product_id()->string_view()).value_or(Uuid{}), line->quantity()});
    }
  }
}

void evolve_status(OrderState& o, OrderStatus to) {
  o.status = to;
}

void add_hold(CustomerHolds& held, const OrderState& o) {
  ++held.pending_orders;
  held.pending_cents += o.total_cents;
  for (const OrderItem& line : o.lines)
    held.units[line.product_id] += line.quantity;
}

void remove_hold(CustomerHolds& held, const OrderState& o) {
  --held.pending_orders;
  held.pending_cents -= o.total_cents;
  for (const OrderItem& line : o.lines) {
    auto it = held.units.find(line.product_id);
    if (it != held.units.end() && (it->second -= line.quantity) <= 0)
      held.units.erase(it);
  }
}

}  // namespace orderly::commands
