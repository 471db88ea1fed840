#include "projections/orders.h"
#include "core/text.h"

#include <boost/json.hpp>

#include <algorithm>

#include "core/json_writer.h"
#include "core/schemas/order_events_generated.h"

namespace orderly::projections {

namespace json = boost::json;

namespace {

enum OrderStep : uint8_t { kPending, kConfirmed, kShipped, kDelivered, kCancelled };
constexpr std::string_view kStatusNames[] = {"pending", "confirmed", "shipped", "delivered",
                                             "cancelled"};

std::optional<uint8_t> status_of(std::string_view name) {
  for (uint8_t i = 0; i < std::size(kStatusNames); ++i) {
    if (kStatusNames[i] == name)
      return i;
  }
  return std::nullopt;
}

}  // namespace

OrdersReadModel::Stored* OrdersReadModel::find(const Uuid& id) {
  auto it = seq_of_.find(id);
  return it == seq_of_.end() ? nullptr : &by_seq_[it->second - 1];
}

const OrdersReadModel::Stored* OrdersReadModel::find(const Uuid& id) const {
  return const_cast<OrdersReadModel*>(this)->find(id);
}

void OrdersReadModel::touch(uint64_t seq) {
  Stored& o = by_seq_[seq - 1];
  if (!o.dirty) {
    o.dirty = true;
    dirty_.push_back(seq);
  }
}

void OrdersReadModel::add_to_user(const Uuid& user, uint64_t seq) {
  std::vector<uint64_t>& seqs = by_user_[user];
  if (seqs.empty() || seqs.back() < seq) {
    seqs.push_back(seq);  // the usual case: placements arrive in order
  } else {
    seqs.insert(std::upper_bound(seqs.begin(), seqs.end(), seq), seq);
  }
}

void OrdersReadModel::apply(const EventView& ev) {
  auto status_change = [&](const flatbuffers::String* id, uint8_t status) {
    auto it = seq_of_.find(fb_uuid(id));
    if (it == seq_of_.end())
      return;
    Stored& o = by_seq_[it->second - 1];
    by_status_[o.status].erase(it->second);
    o.status = status;
    o.updated_at = ev.time_us();
    o.version = ev.version();
    by_status_[status].insert(it->second);
    touch(it->second);
  };
  switch (ev.type()) {
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      const Uuid id = fb_uuid(e->order_id());
      auto [it, fresh] = seq_of_.try_emplace(id, by_seq_.size() + 1);
      if (fresh) {
        by_seq_.emplace_back();
        ++count_;
      } else {
        by_status_[by_seq_[it->second - 1].status].erase(it->second);  // placed again: replace
      }
      const uint64_t seq = it->second;
      Stored& o = by_seq_[seq - 1];
      o.id = id;
      o.user_id = fb_uuid(e->user_id());
      o.status = kPending;
      o.total_cents = e->total_cents();
      o.created_at = o.updated_at = ev.time_us();
      o.version = ev.version();
      o.lines.clear();
      if (e->lines()) {
        o.lines.reserve(e->lines()->size());
        for (const auto* l : *e->lines()) {
          o.lines.push_back({fb_uuid(l->product_id()), fb_string(l->name()), l->unit_price_cents(),
                             l->quantity(), l->line_total_cents()});
        }
      }
      if (fresh)
        add_to_user(o.user_id, seq);
      by_status_[kPending].insert(seq);
      touch(seq);
      break;
    }
    case EventType::kOrderConfirmed:
      status_change(ev.as<events::OrderConfirmed>()->order_id(), kConfirmed);
      break;
    case EventType::kOrderShipped:
      status_change(ev.as<events::OrderShipped>()->order_id(), kShipped);
      break;
    case EventType::kOrderDelivered:
      status_change(ev.as<events::OrderDelivered>()->order_id(), kDelivered);
      break;
    case EventType::kOrderCancelled:
      status_change(ev.as<events::OrderCancelled>()->order_id(), kCancelled);
      break;
    default:
      break;
  }
}

RowChanges OrdersReadModel::take_changes_chunk(size_t limit) {
  RowChanges out;
  out.reserve(std::min(dirty_.size(), limit) + 1);
  const bool any = !dirty_.empty();
  while (!dirty_.empty() && out.size() < limit) {
    const uint64_t seq = dirty_.back();
    dirty_.pop_back();
    Stored& o = by_seq_[seq - 1];
    o.dirty = false;
    JsonWriter w(256 + 128 * o.lines.size());
    w.begin_object()
        .field("id", o.id)
        .field("user_id", o.user_id)
        .field("status", kStatusNames[o.status])
        .key("items")
        .begin_array();
    for (const Line& l : o.lines) {
      w.begin_object()
          .field("product_id", l.product_id)
          .field("name", l.name)
          .field("unit_price_cents", l.unit_price_cents)
          .field("quantity", l.quantity)
          .field("line_total_cents", l.line_total_cents)
          .end_object();
    }
    w.end_array()
        .field("total_cents", o.total_cents)
        .field("created_at", o.created_at)
        .field("updated_at", o.updated_at)
        .field("version", o.version)
        .field("seq", seq)
        .end_object();
    std::string key = "o/";
    o.id.append_to(key);
    out.emplace_back(std::move(key), w.take());
  }
  if (any && dirty_.empty())  // once, with the last chunk
    out.emplace_back("next_seq", std::to_string(by_seq_.size() + 1));
  return out;
}

Status OrdersReadModel::load_row(std::string_view key, std::string_view value) {
  if (key == "next_seq") {
    const uint64_t next = std::strtoull(std::string(value).c_str(), nullptr, 10);
    if (next == 0 || next - 1 < by_seq_.size())
      return Status::corruption("orders row next_seq is damaged; rebuild the read model");
    by_seq_.resize(next - 1);  // the slots of rows still to load
    return Status::ok();
  }
  auto damaged = [&](const std::string& why) {
    return Status::corruption("orders row " + std::string(key) + " is damaged (" + why +
                              "); rebuild the read model");
  };
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec || !v.is_object() || !key.starts_with("o/"))
    return damaged("not an order row");
  try {
    const json::object& r = v.as_object();
    Stored o;
    const auto id = Uuid::parse(json::value_to<std::string>(r.at("id")));
    const auto user = Uuid::parse(json::value_to<std::string>(r.at("user_id")));
    const auto status = status_of(json::value_to<std::string>(r.at("status")));
    const uint64_t seq = r.at("seq").to_number<uint64_t>();
    // next_seq sorts before every "o/" row, so the slots exist already.
    if (!id || id->is_nil() || !user || !status || seq == 0 || seq > by_seq_.size())
      return damaged("bad id, user, status or seq");
    o.id = *id;
    o.user_id = *user;
    o.status = *status;
    o.total_cents = r.at("total_cents").to_number<int64_t>();
    o.created_at = r.at("created_at").to_number<int64_t>();
    o.updated_at = r.at("updated_at").to_number<int64_t>();
    o.version = r.at("version").to_number<uint64_t>();
    for (const auto& item : r.at("items").as_array()) {
      const json::object& l = item.as_object();
      o.lines.push_back(
          {Uuid::parse(json::value_to<std::string>(l.at("product_id"))).value_or(Uuid{}),
           json::value_to<std::string>(l.at("name")), l.at("unit_price_cents").to_number<int64_t>(),
           l.at("quantity").to_number<int64_t>(), l.at("line_total_cents").to_number<int64_t>()});
    }
    if (!by_seq_[seq - 1].id.is_nil() || !seq_of_.try_emplace(o.id, seq).second)
      return damaged("a second row for the same order or seq");
    add_to_user(o.user_id, seq);
    by_status_[o.status].insert(seq);
    by_seq_[seq - 1] = std::move(o);
    ++count_;
  } catch (const std::exception& e) {
    return damaged(e.what());
  }
  return Status::ok();
}

void OrdersReadModel::clear() {
  by_seq_.clear();
  count_ = 0;
  seq_of_.clear();
  by_user_.clear();
  for (auto& s : by_status_)
    s.clear();
  dirty_.clear();
}

OrderRow OrdersReadModel::row(const Stored& o, uint64_t seq) const {
  OrderRow r;
  r.id = o.id.to_string();
  r.user_id = o.user_id.to_string();
  r.status = kStatusNames[o.status];
  r.items.reserve(o.lines.size());
  for (const Line& l : o.lines) {
    r.items.push_back(
        {l.product_id.to_string(), l.name, l.unit_price_cents, l.quantity, l.line_total_cents});
  }
  r.total_cents = o.total_cents;
  r.created_at = o.created_at;
  r.updated_at = o.updated_at;
  r.version = o.version;
  r.seq = seq;
  return r;
}

std::optional<OrderRow> OrdersReadModel::get(std::string_view id) const {
  const auto uuid = Uuid::parse(id);
  if (!uuid)
    return std::nullopt;
  std::shared_lock lock(mutex());
  auto it = seq_of_.find(*uuid);
  if (it == seq_of_.end())
    return std::nullopt;
  return row(by_seq_[it->second - 1], it->second);
}

OrderPage OrdersReadModel::list(std::string_view user_id, std::string_view status, int page,
                                int per_page) const {
  OrderPage out = OrderPage::of(page, per_page);
  std::optional<uint8_t> wanted;
  if (!status.empty()) {
    wanted = status_of(status);
    if (!wanted)
      return out;  // no order has an unknown status
  }
  std::optional<Uuid> user;
  if (!user_id.empty()) {
    user = Uuid::parse(user_id);
    if (!user)
      return out;
  }
  std::shared_lock lock(mutex());
  auto resolve = [&](uint64_t seq) { return row(by_seq_[seq - 1], seq); };
  if (user) {
    auto it = by_user_.find(*user);
    if (it == by_user_.end())
      return out;
    const std::vector<uint64_t>& mine = it->second;
    if (!wanted) {
      out.fill(mine.rbegin(), mine.rend(), mine.size(), resolve);
      return out;
    }
    // A user's orders are few: filter them by status, newest first.
    std::vector<uint64_t> matching;
    for (auto s = mine.rbegin(); s != mine.rend(); ++s) {
      if (by_seq_[*s - 1].status == *wanted)
        matching.push_back(*s);
    }
    out.fill(matching.begin(), matching.end(), matching.size(), resolve);
  } else if (wanted) {
    const auto& seqs = by_status_[*wanted];
    out.fill(seqs.rbegin(), seqs.rend(), seqs.size(), resolve);
  } else {
    // Every order: slots are in placement order (a free slot only while
    // loading a damaged store, skipped).
    std::vector<uint64_t> newest;
    const size_t want = out.offset() + static_cast<size_t>(out.per_page);
    for (uint64_t seq = by_seq_.size(); seq >= 1 && newest.size() < want; --seq) {
      if (!by_seq_[seq - 1].id.is_nil())
        newest.push_back(seq);
    }
    out.fill(newest.begin(), newest.end(), count_, resolve);
  }
  return out;
}

OrderStats OrdersReadModel::stats(std::string_view user_id) const {
  OrderStats s;
  const auto user = Uuid::parse(user_id);
  if (!user)
    return s;
  std::shared_lock lock(mutex());
  auto it = by_user_.find(*user);
  if (it == by_user_.end())
    return s;
  size_t* counts[] = {&s.pending_orders, &s.confirmed_orders, &s.shipped_orders,
                      &s.completed_orders, &s.cancelled_orders};
  for (uint64_t seq : it->second) {
    const Stored& o = by_seq_[seq - 1];
    ++s.total_orders;
    ++*counts[o.status];
    if (o.status == kConfirmed || o.status == kShipped || o.status == kDelivered)
      s.total_spent_cents += o.total_cents;
  }
  return s;
}

}  // namespace orderly::projections
