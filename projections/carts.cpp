#include "projections/carts.h"

#include <algorithm>

#include "core/json_writer.h"
#include "core/schemas/cart_events_generated.h"
#include "core/text.h"

namespace orderly::projections {

namespace {

// 2: lines keep their price.
constexpr uint32_t kSnapshotFormat = 2;
// The least a cart and a line take in a snapshot: bound the counts load()
// accepts.
constexpr size_t kCartBytes = 16 + 4;
constexpr size_t kLineBytes = 16 + 8 + 8;

}  // namespace

void CartsReadModel::apply(const EventView& ev) {
  // A negative price keeps the line's.
  auto set = [&](const Uuid& user, const Uuid& product, int64_t quantity, bool add,
                 int64_t price) REQUIRES(mutex_) {
    auto cart = carts_.try_emplace(user).first;
    Lines& lines = cart->second;
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const Line& l) { return l.product == product; });
    const int64_t q = add ? quantity + (it == lines.end() ? 0 : it->quantity) : quantity;
    if (q <= 0) {
      if (it != lines.end())
        lines.erase(it);
    } else if (it != lines.end()) {
      it->quantity = q;
      if (price >= 0)
        it->unit_price_cents = price;
    } else {
      lines.push_back({product, q, price});
    }
    if (lines.empty())  // an empty cart is no cart: not kept, not saved
      carts_.erase(cart);
  };
  switch (ev.type()) {
    case EventType::kCartItemAdded: {
      const auto* e = ev.as<events::CartItemAdded>();
      set(fb_uuid(e->user_id()), fb_uuid(e->product_id()), e->quantity(), true,
          e->unit_price_cents());
      break;
    }
    case EventType::kCartItemQuantityChanged: {
      const auto* e = ev.as<events::CartItemQuantityChanged>();
      set(fb_uuid(e->user_id()), fb_uuid(e->product_id()), e->quantity(), false, -1);
      break;
    }
    case EventType::kCartItemRemoved: {
      const auto* e = ev.as<events::CartItemRemoved>();
      set(fb_uuid(e->user_id()), fb_uuid(e->product_id()), 0, false, -1);
      break;
    }
    case EventType::kCartItemPriceChanged: {
      const auto* e = ev.as<events::CartItemPriceChanged>();
      auto cart = carts_.find(fb_uuid(e->user_id()));
      if (cart == carts_.end())
        break;
      for (Line& l : cart->second) {
        if (l.product == fb_uuid(e->product_id()))
          l.unit_price_cents = e->unit_price_cents();
      }
      break;
    }
    case EventType::kCartCleared:
    case EventType::kCartCheckedOut: {
      const Uuid user = ev.type() == EventType::kCartCleared
                            ? fb_uuid(ev.as<events::CartCleared>()->user_id())
                            : fb_uuid(ev.as<events::CartCheckedOut>()->user_id());
      carts_.erase(user);
      break;
    }
    default:
      break;
  }
}

Rows CartsReadModel::rows() const {
  Rows out;
  out.reserve(carts_.size());
  for (const auto& [user, lines] : carts_) {
    std::string key = "c/";
    user.append_to(key);
    JsonWriter w;
    w.begin_array();
    for (const Line& l : lines)
      w.begin_array().value(l.product).value(l.quantity).value(l.unit_price_cents).end_array();
    w.end_array();
    out.emplace_back(std::move(key), w.take());
  }
  return out;
}

// Layout: format, then each cart: user, its lines in cart order (product,
// quantity, unit price).
void CartsReadModel::save(BinaryWriter& out) const {
  out.u32(kSnapshotFormat);
  out.count(carts_.size());
  for (const auto& [user, lines] : carts_) {
    out.uuid(user);
    out.count(lines.size());
    for (const Line& l : lines) {
      out.uuid(l.product);
      out.i64(l.quantity);
      out.i64(l.unit_price_cents);
    }
  }
}

Status CartsReadModel::load(BinaryReader& in) {
  clear();
  if (in.u32() != kSnapshotFormat)
    in.fail();
  const size_t carts = in.count(kCartBytes);
  carts_.reserve(carts);
  for (size_t i = 0; i < carts && in.ok(); ++i) {
    const Uuid user = in.uuid();
    Lines lines(in.count(kLineBytes));
    for (Line& l : lines) {
      l.product = in.uuid();
      l.quantity = in.i64();
      l.unit_price_cents = in.i64();
    }
    // A user twice, or an empty cart, is not something save() writes.
    if (lines.empty() || !carts_.try_emplace(user, std::move(lines)).second)
      in.fail();
  }
  Status status = in.finish("snapshot of read model carts");
  if (!status.is_ok())
    clear();
  return status;
}

void CartsReadModel::clear() {
  carts_.clear();
}

std::vector<CartLine> CartsReadModel::cart(std::string_view user_id) const {
  std::vector<CartLine> out;
  const auto user = Uuid::parse(user_id);
  if (!user)
    return out;
  ReaderLock lock(mutex_);
  auto it = carts_.find(*user);
  if (it == carts_.end())
    return out;
  for (const Line& l : it->second)
    out.push_back({l.product.to_string(), l.quantity, l.unit_price_cents});
  return out;
}

}  // namespace orderly::projections
