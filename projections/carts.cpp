#include "projections/carts.h"

#include <algorithm>

#include "core/json_writer.h"
#include "core/schemas/cart_events_generated.h"
#include "core/text.h"

namespace orderly::projections {

namespace {

constexpr uint32_t kSnapshotFormat = 1;
// The least a cart and a line take in a snapshot: bound the counts load()
// accepts.
constexpr size_t kCartBytes = 16 + 4;
constexpr size_t kLineBytes = 16 + 8;

}  // namespace

void CartsReadModel::apply(const EventView& ev) {
  auto set = [&](const Uuid& user, const Uuid& product, int64_t quantity, bool add) {
    auto cart = carts_.try_emplace(user).first;
    Lines& lines = cart->second;
    auto it =
        std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.first == product; });
    const int64_t q = add ? quantity + (it == lines.end() ? 0 : it->second) : quantity;
    if (q <= 0) {
      if (it != lines.end())
        lines.erase(it);
    } else if (it != lines.end()) {
      it->second = q;
    } else {
      lines.emplace_back(product, q);
    }
    if (lines.empty())  // an empty cart is no cart: not kept, not saved
      carts_.erase(cart);
  };
  switch (ev.type()) {
    case EventType::kCartItemAdded: {
      const auto* e = ev.as<events::CartItemAdded>();
      set(fb_uuid(e->user_id()), fb_uuid(e->product_id()), e->quantity(), true);
      break;
    }
    case EventType::kCartItemQuantityChanged: {
      const auto* e = ev.as<events::CartItemQuantityChanged>();
      set(fb_uuid(e->user_id()), fb_uuid(e->product_id()), e->quantity(), false);
      break;
    }
    case EventType::kCartItemRemoved: {
      const auto* e = ev.as<events::CartItemRemoved>();
      set(fb_uuid(e->user_id()), fb_uuid(e->product_id()), 0, false);
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
    for (const auto& [product, quantity] : lines)
      w.begin_array().value(product).value(quantity).end_array();
    w.end_array();
    out.emplace_back(std::move(key), w.take());
  }
  return out;
}

// Layout: format, then each cart: user, its lines in cart order (product,
// quantity).
void CartsReadModel::save(BinaryWriter& out) const {
  out.u32(kSnapshotFormat);
  out.count(carts_.size());
  for (const auto& [user, lines] : carts_) {
    out.uuid(user);
    out.count(lines.size());
    for (const auto& [product, quantity] : lines) {
      out.uuid(product);
      out.i64(quantity);
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
    for (auto& [product, quantity] : lines) {
      product = in.uuid();
      quantity = in.i64();
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
  std::shared_lock lock(mutex());
  auto it = carts_.find(*user);
  if (it == carts_.end())
    return out;
  for (const auto& [product, quantity] : it->second)
    out.push_back({product.to_string(), quantity});
  return out;
}

}  // namespace orderly::projections
