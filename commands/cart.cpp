#include "commands/cart.h"

#include <algorithm>

#include "commands/validation.h"
#include "core/schemas/cart_events_generated.h"
#include "core/text.h"

namespace orderly::commands {

namespace {

Status require_user(const CommandMeta& meta) {
  if (meta.actor.is_nil())
    return Status::unauthorized("a cart belongs to a signed-in user");
  return Status::ok();
}

const CartLine* find_line(const CartState* cart, const Uuid& product) {
  if (cart == nullptr)
    return nullptr;
  auto it = std::find_if(cart->lines.begin(), cart->lines.end(),
                         [&](const CartLine& l) { return l.product_id == product; });
  return it == cart->lines.end() ? nullptr : &*it;
}

// A line may not ask for more than is available now.
Status check_available(const ProductState& p, int64_t quantity) {
  if (quantity <= p.available())
    return Status::ok();
  return {ErrorCode::kInsufficientStock,
          "the cart would hold " + std::to_string(quantity) + " of " + p.name + ", but " +
              std::to_string(p.available()) + " are available",
          {{"quantity", "asked for " + std::to_string(quantity) + " in the cart, " +
                            std::to_string(p.available()) + " available"}}};
}

std::string cents_text(int64_t cents) {
  return std::to_string(cents) + " cents";
}

void emit_quantity(EventSink& out, const CommandMeta& meta, const Uuid& product, int64_t quantity) {
  out.emit(Aggregate::kCart, meta.actor, EventType::kCartItemQuantityChanged,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateCartItemQuantityChangedDirect(
                 b, meta.actor.to_string().c_str(), product.to_string().c_str(), quantity);
           });
}

}  // namespace

Status decide_add_to_cart(const CartState* cart, const ProductMap& products, const AddToCart& c,
                          const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_user(meta));
  ORDERLY_RETURN_IF_ERROR(require_range("quantity", c.quantity, 1, kMaxLineQuantity));
  auto it = products.find(c.product_id);
  if (it == products.end())
    return Status::invalid_field("product_id", "no such product");
  if (it->second.discontinued)
    return Status::invalid_field("product_id", "is discontinued");
  const CartLine* line = find_line(cart, c.product_id);
  if (line == nullptr && cart != nullptr && cart->lines.size() >= kMaxCartLines) {
    return Status::invalid_field("product_id",
                                 "the cart is full (" + std::to_string(kMaxCartLines) + " lines)");
  }
  const int64_t total = (line ? line->quantity : 0) + c.quantity;
  if (total > kMaxLineQuantity) {
    return Status::invalid_field("quantity", "would make " + std::to_string(total) +
                                                 " in the cart, at most " +
                                                 std::to_string(kMaxLineQuantity));
  }
  ORDERLY_RETURN_IF_ERROR(check_available(it->second, total));
  // The line takes the price shown now (adding more of it is agreeing to it).
  out.emit(Aggregate::kCart, meta.actor, EventType::kCartItemAdded,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateCartItemAddedDirect(b, meta.actor.to_string().c_str(),
                                                      c.product_id.to_string().c_str(), c.quantity,
                                                      it->second.price_cents);
           });
  return Status::ok();
}

Status decide_set_cart_quantity(const CartState* cart, const ProductMap& products,
                                const SetCartQuantity& c, const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_user(meta));
  ORDERLY_RETURN_IF_ERROR(require_range("quantity", c.quantity, 0, kMaxLineQuantity));
  const CartLine* line = find_line(cart, c.product_id);
  if (line == nullptr)
    return Status::not_found("the product is not in the cart");
  if (c.quantity == 0)
    return decide_remove_from_cart(cart, RemoveFromCart{c.product_id}, meta, out);
  // Fewer is always allowed (it only gives back); more must be available.
  auto it = products.find(c.product_id);
  if (it != products.end() && c.quantity > line->quantity) {
    if (it->second.discontinued)
      return Status::invalid_field("product_id", "is discontinued");
    ORDERLY_RETURN_IF_ERROR(check_available(it->second, c.quantity));
  }
  emit_quantity(out, meta, c.product_id, c.quantity);
  return Status::ok();
}

Status decide_remove_from_cart(const CartState* cart, const RemoveFromCart& c,
                               const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_user(meta));
  if (find_line(cart, c.product_id) == nullptr)
    return Status::not_found("the product is not in the cart");
  out.emit(Aggregate::kCart, meta.actor, EventType::kCartItemRemoved,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateCartItemRemovedDirect(b, meta.actor.to_string().c_str(),
                                                        c.product_id.to_string().c_str());
           });
  return Status::ok();
}

Status decide_clear_cart(const CartState* cart, const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_user(meta));
  if (cart == nullptr || cart->lines.empty())
    return Status::ok();  // nothing to record
  out.emit(Aggregate::kCart, meta.actor, EventType::kCartCleared,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateCartClearedDirect(b, meta.actor.to_string().c_str());
           });
  return Status::ok();
}

Status decide_checkout(const CartState* cart, const OrderState* existing_order,
                       const ProductMap& products, std::string_view currency,
                       const CustomerHolds* held, const HoldLimits& limits, const Checkout& c,
                       const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_user(meta));
  if (cart == nullptr || cart->lines.empty())
    return Status::invalid_field("cart", "is empty");
  // Prices first: a customer is never charged other than what they were shown.
  std::vector<FieldError> changed;
  for (size_t i = 0; i < cart->lines.size(); ++i) {
    const CartLine& line = cart->lines[i];
    auto it = products.find(line.product_id);
    if (it == products.end() || line.unit_price_cents == kUnknownPrice ||
        line.unit_price_cents == it->second.price_cents)
      continue;
    const ProductState& p = it->second;
    changed.push_back({"items[" + std::to_string(i) + "].unit_price_cents",
                       p.name + " (product " + line.product_id.to_string() + ") costs " +
                           cents_text(p.price_cents) + " now, " +
                           cents_text(line.unit_price_cents) + " when it was added"});
    out.emit(Aggregate::kCart, meta.actor, EventType::kCartItemPriceChanged,
             [&](flatbuffers::FlatBufferBuilder& b) {
               return events::CreateCartItemPriceChangedDirect(
                   b, meta.actor.to_string().c_str(), line.product_id.to_string().c_str(),
                   line.unit_price_cents, p.price_cents);
             });
  }
  if (!changed.empty()) {
    const std::string lines = std::to_string(changed.size());
    return {ErrorCode::kPriceChanged,
            lines +
                " line(s) changed price since they were added; the cart now shows the new "
                "prices: check out again to accept them",
            std::move(changed)};
  }
  PlaceOrder place{c.order_id, {}, c.shipping_address, c.reservation_ttl_us, c.shipping_address_id,
                   c.shipping};
  place.items.reserve(cart->lines.size());
  for (const CartLine& line : cart->lines)
    place.items.push_back({line.product_id, line.quantity});
  ORDERLY_RETURN_IF_ERROR(
      decide_place_order(existing_order, products, currency, held, limits, place, meta, out));
  out.emit(Aggregate::kCart, meta.actor, EventType::kCartCheckedOut,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateCartCheckedOutDirect(b, meta.actor.to_string().c_str(),
                                                       c.order_id.to_string().c_str());
           });
  return Status::ok();
}

void set_line(CartState& cart, const Uuid& product, int64_t quantity, int64_t unit_price_cents) {
  auto it = std::find_if(cart.lines.begin(), cart.lines.end(),
                         [&](const CartLine& l) { return l.product_id == product; });
  if (quantity <= 0) {
    if (it != cart.lines.end())
      cart.lines.erase(it);
  } else if (it != cart.lines.end()) {
    it->quantity = quantity;
    if (unit_price_cents >= 0)
      it->unit_price_cents = unit_price_cents;
  } else {
    cart.lines.push_back({product, quantity, unit_price_cents});
  }
}

void set_line_price(CartState& cart, const Uuid& product, int64_t unit_price_cents) {
  for (CartLine& l : cart.lines) {
    if (l.product_id == product)
      l.unit_price_cents = unit_price_cents;
  }
}

void evolve(CartState& cart, EventType type, const uint8_t* p) {
  switch (type) {
    case EventType::kCartItemAdded: {
      const auto* e = flatbuffers::GetRoot<events::CartItemAdded>(p);
      const Uuid product = fb_uuid(e->product_id());
      int64_t q = e->quantity();
      for (const auto& l : cart.lines) {
        if (l.product_id == product)
          q += l.quantity;
      }
      set_line(cart, product, q, e->unit_price_cents());
      break;
    }
    case EventType::kCartItemQuantityChanged: {
      const auto* e = flatbuffers::GetRoot<events::CartItemQuantityChanged>(p);
      set_line(cart, fb_uuid(e->product_id()), e->quantity(), kUnknownPrice);
      break;
    }
    case EventType::kCartItemRemoved:
      set_line(cart, fb_uuid(flatbuffers::GetRoot<events::CartItemRemoved>(p)->product_id()), 0,
               kUnknownPrice);
      break;
    case EventType::kCartItemPriceChanged: {
      const auto* e = flatbuffers::GetRoot<events::CartItemPriceChanged>(p);
      set_line_price(cart, fb_uuid(e->product_id()), e->unit_price_cents());
      break;
    }
    case EventType::kCartCleared:
    case EventType::kCartCheckedOut:
      cart.lines.clear();
      break;
    default:
      break;
  }
}

}  // namespace orderly::commands
