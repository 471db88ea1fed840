#include "commands/cart.h"

#include <algorithm>

#include "commands/validation.h"
#include "core/schemas/cart_events_generated.h"

namespace orderly::commands {

namespace {

Status require_user(const CommandMeta& meta) {
  if (meta.actor.is_nil())
    return Status::unauthorized("a cart belongs to a signed-in user");
  return Status::ok();
}

const OrderItem* find_line(const CartState* cart, const Uuid& product) {
  if (cart == nullptr)
    return nullptr;
  auto it = std::find_if(cart->lines.begin(), cart->lines.end(),
                         [&](const OrderItem& l) { return l.product_id == product; });
  return it == cart->lines.end() ? nullptr : &*it;
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
  const OrderItem* line = find_line(cart, c.product_id);
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
  out.emit(Aggregate::kCart, meta.actor, EventType::kCartItemAdded,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateCartItemAddedDirect(b, meta.actor.to_string().c_str(),
                                                      c.product_id.to_string().c_str(), c.quantity);
           });
  return Status::ok();
}

Status decide_set_cart_quantity(const CartState* cart, const SetCartQuantity& c,
                                const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_user(meta));
  ORDERLY_RETURN_IF_ERROR(require_range("quantity", c.quantity, 0, kMaxLineQuantity));
  if (find_line(cart, c.product_id) == nullptr)
    return Status::not_found("the product is not in the cart");
  if (c.quantity == 0)
    return decide_remove_from_cart(cart, RemoveFromCart{c.product_id}, meta, out);
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
                       const ProductMap& products, const Checkout& c, const CommandMeta& meta,
                       EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_user(meta));
  if (cart == nullptr || cart->lines.empty())
    return Status::invalid_field("cart", "is empty");
  PlaceOrder place{c.order_id, cart->lines, c.shipping_address, c.reservation_ttl_us};
  ORDERLY_RETURN_IF_ERROR(decide_place_order(existing_order, products, place, meta, out));
  out.emit(Aggregate::kCart, meta.actor, EventType::kCartCheckedOut,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateCartCheckedOutDirect(b, meta.actor.to_string().c_str(),
                                                       c.order_id.to_string().c_str());
           });
  return Status::ok();
}

void set_line(CartState& cart, const Uuid& product, int64_t quantity) {
  auto it = std::find_if(cart.lines.begin(), cart.lines.end(),
                         [&](const OrderItem& l) { return l.product_id == product; });
  if (quantity <= 0) {
    if (it != cart.lines.end())
      cart.lines.erase(it);
  } else if (it != cart.lines.end()) {
    it->quantity = quantity;
  } else {
    cart.lines.push_back({product, quantity});
  }
}

}  // namespace orderly::commands
