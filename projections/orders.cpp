#include "projections/orders.h"
#include "core/text.h"

#include <boost/json.hpp>

#include <algorithm>

#include "core/event_json.h"
#include "core/schemas/order_events_generated.h"

namespace orderly::projections {

namespace json = boost::json;

namespace {

std::string row_json(const OrderRow& o) {
  std::string items = "[";
  for (size_t i = 0; i < o.items.size(); ++i) {
    const auto& l = o.items[i];
    if (i)
      items += ",";
    items += "{\"product_id\":" + json_quote(l.product_id) + ",\"name\":" + json_quote(l.name) +
             ",\"unit_price_cents\":" + std::to_string(l.unit_price_cents) +
             ",\"quantity\":" + std::to_string(l.quantity) +
             ",\"line_total_cents\":" + std::to_string(l.line_total_cents) + "}";
  }
  items += "]";
  return "{\"id\":" + json_quote(o.id) + ",\"user_id\":" + json_quote(o.user_id) +
         ",\"status\":" + json_quote(o.status) + ",\"items\":" + items +
         ",\"total_cents\":" + std::to_string(o.total_cents) +
         ",\"created_at\":" + std::to_string(o.created_at) +
         ",\"updated_at\":" + std::to_string(o.updated_at) +
         ",\"version\":" + std::to_string(o.version) + ",\"seq\":" + std::to_string(o.seq) + "}";
}

}  // namespace

void OrdersReadModel::index(const OrderRow& o) {
  by_seq_[o.seq] = o.id;
  by_user_[o.user_id].insert(o.seq);
  by_status_[o.status].insert(o.seq);
}

void OrdersReadModel::unindex(const OrderRow& o) {
  by_status_[o.status].erase(o.seq);
}

void OrdersReadModel::apply(const EventView& ev) {
  auto status_change = [&](const flatbuffers::String* id, const char* status) {
    auto it = orders_.find(fb_string(id));
    if (it == orders_.end())
      return;
    OrderRow& o = it->second;
    unindex(o);
    o.status = status;
    o.updated_at = ev.time_us();
    o.version = ev.version();
    index(o);
    dirty_.insert(o.id);
  };
  switch (ev.type()) {
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      OrderRow o;
      o.id = fb_string(e->order_id());
      o.user_id = fb_string(e->user_id());
      o.status = "pending";
      o.total_cents = e->total_cents();
      o.created_at = o.updated_at = ev.time_us();
      o.version = ev.version();
      o.seq = next_seq_++;
      if (e->lines()) {
        for (const auto* l : *e->lines()) {
          o.items.push_back({fb_string(l->product_id()), fb_string(l->name()),
                             l->unit_price_cents(), l->quantity(), l->line_total_cents()});
        }
      }
      index(o);
      dirty_.insert(o.id);
      orders_[o.id] = std::move(o);
      break;
    }
    case EventType::kOrderConfirmed:
      status_change(ev.as<events::OrderConfirmed>()->order_id(), "confirmed");
      break;
    case EventType::kOrderShipped:
      status_change(ev.as<events::OrderShipped>()->order_id(), "shipped");
      break;
    case EventType::kOrderDelivered:
      status_change(ev.as<events::OrderDelivered>()->order_id(), "delivered");
      break;
    case EventType::kOrderCancelled:
      status_change(ev.as<events::OrderCancelled>()->order_id(), "cancelled");
      break;
    default:
      break;
  }
}

RowChanges OrdersReadModel::take_changes() {
  RowChanges out;
  out.reserve(dirty_.size() + 1);
  for (const auto& id : dirty_) {
    auto it = orders_.find(id);
    out.emplace_back("o/" + id,
                     it == orders_.end() ? std::nullopt : std::optional(row_json(it->second)));
  }
  if (!dirty_.empty())
    out.emplace_back("next_seq", std::to_string(next_seq_));
  dirty_.clear();
  return out;
}

Status OrdersReadModel::load_row(std::string_view key, std::string_view value) {
  if (key == "next_seq") {
    next_seq_ = std::strtoull(std::string(value).c_str(), nullptr, 10);
    return Status::ok();
  }
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec || !v.is_object() || !key.starts_with("o/")) {
    return Status::corruption("orders row " + std::string(key) +
                              " is damaged; rebuild the read model");
  }
  try {
    const json::object& r = v.as_object();
    OrderRow o;
    o.id = json::value_to<std::string>(r.at("id"));
    o.user_id = json::value_to<std::string>(r.at("user_id"));
    o.status = json::value_to<std::string>(r.at("status"));
    o.total_cents = r.at("total_cents").to_number<int64_t>();
    o.created_at = r.at("created_at").to_number<int64_t>();
    o.updated_at = r.at("updated_at").to_number<int64_t>();
    o.version = r.at("version").to_number<uint64_t>();
    o.seq = r.at("seq").to_number<uint64_t>();
    for (const auto& item : r.at("items").as_array()) {
      const json::object& l = item.as_object();
      o.items.push_back(
          {json::value_to<std::string>(l.at("product_id")),
           json::value_to<std::string>(l.at("name")), l.at("unit_price_cents").to_number<int64_t>(),
           l.at("quantity").to_number<int64_t>(), l.at("line_total_cents").to_number<int64_t>()});
    }
    index(o);
    next_seq_ = std::max(next_seq_, o.seq + 1);
    orders_[o.id] = std::move(o);
  } catch (const std::exception& e) {
    return Status::corruption("orders row " + std::string(key) + " is damaged (" + e.what() +
                              "); rebuild it");
  }
  return Status::ok();
}

void OrdersReadModel::clear() {
  orders_.clear();
  by_seq_.clear();
  by_user_.clear();
  by_status_.clear();
  next_seq_ = 1;
  dirty_.clear();
}

std::optional<OrderRow> OrdersReadModel::get(std::string_view id) const {
  std::shared_lock lock(mutex());
  auto it = orders_.find(std::string(id));
  if (it == orders_.end())
    return std::nullopt;
  return it->second;
}

OrderPage OrdersReadModel::list(std::string_view user_id, std::string_view status, int page,
                                int per_page) const {
  std::shared_lock lock(mutex());
  auto find = [](const auto& map, const auto& key) -> const std::set<uint64_t>* {
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
  };
  std::set<uint64_t> all_seqs;
  const std::set<uint64_t>* seqs = nullptr;
  if (!user_id.empty() && !status.empty()) {
    // A user's orders are few: filter them by status, newest first.
    const std::set<uint64_t>* mine = find(by_user_, std::string(user_id));
    if (mine != nullptr) {
      for (uint64_t seq : *mine) {
        if (orders_.at(by_seq_.at(seq)).status == status)
          all_seqs.insert(seq);
      }
    }
    seqs = &all_seqs;
  } else if (!user_id.empty()) {
    seqs = find(by_user_, std::string(user_id));
  } else if (!status.empty()) {
    seqs = find(by_status_, std::string(status));
  } else {
    // Every order: by_seq_ is already in placement order.
    OrderPage out = OrderPage::of(page, per_page);
    out.fill(by_seq_.rbegin(), by_seq_.rend(), by_seq_.size(),
             [&](const auto& e) { return orders_.at(e.second); });
    return out;
  }
  OrderPage out = OrderPage::of(page, per_page);
  if (seqs != nullptr) {
    out.fill(seqs->rbegin(), seqs->rend(), seqs->size(),
             [&](uint64_t seq) { return orders_.at(by_seq_.at(seq)); });
  }
  return out;
}

OrderStats OrdersReadModel::stats(std::string_view user_id) const {
  std::shared_lock lock(mutex());
  OrderStats s;
  auto it = by_user_.find(std::string(user_id));
  if (it == by_user_.end())
    return s;
  for (uint64_t seq : it->second) {
    const OrderRow& o = orders_.at(by_seq_.at(seq));
    ++s.total_orders;
    if (o.status == "pending")
      ++s.pending_orders;
    if (o.status == "confirmed")
      ++s.confirmed_orders;
    if (o.status == "shipped")
      ++s.shipped_orders;
    if (o.status == "delivered")
      ++s.completed_orders;
    if (o.status == "cancelled")
      ++s.cancelled_orders;
    if (o.status == "confirmed" || o.status == "shipped" || o.status == "delivered")
      s.total_spent_cents += o.total_cents;
  }
  return s;
}

}  // namespace orderly::projections
