#include "projections/carts.h"

#include <boost/json.hpp>

#include <algorithm>

#include "core/json_writer.h"
#include "core/schemas/cart_events_generated.h"
#include "core/text.h"

namespace orderly::projections {

namespace json = boost::json;

void CartsReadModel::apply(const EventView& ev) {
  auto set = [&](const Uuid& user, const Uuid& product, int64_t quantity, bool add) {
    Lines& lines = carts_[user];
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
    dirty_.insert(user);
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
      dirty_.insert(user);
      break;
    }
    default:
      break;
  }
}

RowChanges CartsReadModel::take_changes() {
  RowChanges out;
  out.reserve(dirty_.size());
  for (const Uuid& user : dirty_) {
    std::string key = "c/";
    user.append_to(key);
    auto it = carts_.find(user);
    if (it == carts_.end() || it->second.empty()) {
      if (it != carts_.end())
        carts_.erase(it);
      out.emplace_back(std::move(key), std::nullopt);
      continue;
    }
    JsonWriter w;
    w.begin_array();
    for (const auto& [product, quantity] : it->second)
      w.begin_array().value(product).value(quantity).end_array();
    w.end_array();
    out.emplace_back(std::move(key), w.take());
  }
  dirty_.clear();
  return out;
}

Status CartsReadModel::load_row(std::string_view key, std::string_view value) {
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  const auto user = key.starts_with("c/") ? Uuid::parse(key.substr(2)) : std::nullopt;
  if (ec || !v.is_array() || !user)
    return Status::corruption("carts row " + std::string(key) + " is damaged; rebuild it");
  try {
    Lines lines;
    for (const auto& l : v.as_array()) {
      const auto product = Uuid::parse(json::value_to<std::string>(l.as_array().at(0)));
      if (!product)
        throw std::invalid_argument("a product id is not a UUID");
      lines.emplace_back(*product, l.as_array().at(1).to_number<int64_t>());
    }
    carts_[*user] = std::move(lines);
  } catch (const std::exception& e) {
    return Status::corruption("carts row " + std::string(key) + " is damaged (" + e.what() +
                              "); rebuild it");
  }
  return Status::ok();
}

void CartsReadModel::clear() {
  carts_.clear();
  dirty_.clear();
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
