#include "projections/stats.h"
#include "core/text.h"

#include <boost/json.hpp>

#include <algorithm>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/schemas/analytics_events_generated.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/schemas/product_events_generated.h"

namespace orderly::projections {

namespace json = boost::json;

namespace {

constexpr const char* kStatusNames[] = {"pending", "confirmed", "shipped", "delivered",
                                        "cancelled"};
int64_t day_of(TimestampUs t) {
  return t >= 0 ? t / 86'400'000'000LL : -((-t + 86'399'999'999LL) / 86'400'000'000LL);
}
bool paid(uint8_t status) {
  return status == 1 || status == 2 || status == 3;
}

}  // namespace

void StatsReadModel::pay(const Order& o, int sign) {
  paid_cents_ += sign * o.total;
  paid_orders_ += sign;  // (unsigned wrap is undone by the matching +1)
  days_[o.day].revenue += sign * o.total;
  dirty_days_.insert(o.day);
  for (const Line& l : o.lines) {
    Sales& s = sales_[l.product_id];
    s.units += sign * l.quantity;
    s.revenue += sign * l.line_total;
    dirty_sales_.insert(l.product_id);
  }
  counters_dirty_ = true;
}

void StatsReadModel::move_status(const Uuid& id, uint8_t to) {
  auto it = orders_.find(id);
  if (it == orders_.end())
    return;
  Order& o = it->second;
  if (paid(o.status) && !paid(to)) {
    // Its whole total leaves revenue, so its refunds must stop counting.
    refunded_cents_ -= o.refunded;
    o.refunded = 0;
  }
  if (paid(o.status) != paid(to))
    pay(o, paid(to) ? +1 : -1);
  --by_status_[o.status];
  ++by_status_[to];
  o.status = to;
  counters_dirty_ = true;
  dirty_orders_.insert(id);
  // Delivered and cancelled orders can no longer move revenue: let them go.
  if (to == kDelivered || to == kCancelled)
    orders_.erase(it);
}

void StatsReadModel::apply(const EventView& ev) {
  switch (ev.type()) {
    case EventType::kProductCreated: {
      const auto* e = ev.as<events::ProductCreated>();
      const Uuid id = fb_uuid(e->product_id());
      products_[id] = {fb_string(e->name()), fb_string(e->category())};
      dirty_products_.insert(id);
      break;
    }
    case EventType::kProductUpdated: {
      const auto* e = ev.as<events::ProductUpdated>();
      auto it = products_.find(fb_uuid(e->product_id()));
      if (it == products_.end())
        break;
      if (e->name())
        it->second.name = e->name()->str();
      if (e->category())
        it->second.category = e->category()->str();
      dirty_products_.insert(it->first);
      break;
    }
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      Order o;
      o.day = day_of(ev.time_us());
      o.total = e->total_cents();
      if (e->lines()) {
        o.lines.reserve(e->lines()->size());
        for (const auto* l : *e->lines())
          o.lines.push_back({fb_uuid(l->product_id()), l->quantity(), l->line_total_cents()});
      }
      ++orders_total_;
      ++by_status_[kPending];
      ++days_[o.day].orders;
      dirty_days_.insert(o.day);
      counters_dirty_ = true;
      const Uuid id = fb_uuid(e->order_id());
      dirty_orders_.insert(id);
      orders_[id] = std::move(o);
      break;
    }
    case EventType::kOrderConfirmed:
      move_status(fb_uuid(ev.as<events::OrderConfirmed>()->order_id()), kConfirmed);
      break;
    case EventType::kOrderShipped:
      move_status(fb_uuid(ev.as<events::OrderShipped>()->order_id()), kShipped);
      break;
    case EventType::kOrderDelivered:
      move_status(fb_uuid(ev.as<events::OrderDelivered>()->order_id()), kDelivered);
      break;
    case EventType::kOrderCancelled:
      move_status(fb_uuid(ev.as<events::OrderCancelled>()->order_id()), kCancelled);
      break;
    case EventType::kPaymentRefunded: {
      const auto* e = ev.as<events::PaymentRefunded>();
      refunded_cents_ += e->amount_cents();
      const Uuid order_id = fb_uuid(e->order_id());
      if (auto it = orders_.find(order_id); it != orders_.end()) {
        it->second.refunded += e->amount_cents();  // undone if the order leaves revenue
        dirty_orders_.insert(order_id);
      }
      counters_dirty_ = true;
      break;
    }
    case EventType::kAnalyticsRecorded: {
      const auto* e = ev.as<events::AnalyticsRecorded>();
      if (e->product_views()) {
        for (const auto* v : *e->product_views()) {
          const Uuid id = fb_uuid(v->product_id());
          views_[id] += v->count();
          dirty_views_.insert(id);
        }
      }
      if (e->searches()) {
        for (const auto* s : *e->searches()) {
          searches_[fb_string(s->query())] += s->count();
          dirty_searches_.insert(fb_string(s->query()));
        }
      }
      break;
    }
    default:
      break;
  }
}

RowChanges StatsReadModel::take_changes_chunk(size_t limit) {
  RowChanges out;
  out.reserve(std::min(dirty_orders_.size(), limit) + dirty_days_.size() + dirty_sales_.size() +
              dirty_products_.size() + dirty_views_.size() + dirty_searches_.size() + 1);
  // Every kind but orders is small (days, products, searches): all of them in
  // the first chunk; orders (one row each) by `limit`.
  auto key = [](std::string_view prefix, const Uuid& id) {
    std::string k(prefix);
    id.append_to(k);
    return k;
  };
  if (counters_dirty_) {
    JsonWriter w;
    w.begin_object().field("orders_total", orders_total_).key("by_status").begin_array();
    for (uint64_t n : by_status_)
      w.value(n);
    w.end_array()
        .field("paid_orders", paid_orders_)
        .field("paid_cents", paid_cents_)
        .field("refunded_cents", refunded_cents_)
        .end_object();
    out.emplace_back("c", w.take());
  }
  for (auto at = dirty_orders_.begin(); at != dirty_orders_.end() && out.size() < limit;
       dirty_orders_.erase(at++)) {
    const Uuid& id = *at;
    auto it = orders_.find(id);
    if (it == orders_.end()) {
      out.emplace_back(key("o/", id), std::nullopt);
      continue;
    }
    const Order& o = it->second;
    JsonWriter w(96 + 64 * o.lines.size());
    w.begin_object()
        .field("day", o.day)
        .field("total", o.total)
        .field("status", static_cast<int>(o.status))
        .field("refunded", o.refunded)
        .key("lines")
        .begin_array();
    for (const Line& l : o.lines)
      w.begin_array().value(l.product_id).value(l.quantity).value(l.line_total).end_array();
    w.end_array().end_object();
    out.emplace_back(key("o/", id), w.take());
  }
  for (const int64_t day : dirty_days_) {
    const Day& d = days_[day];
    JsonWriter w(48);
    w.begin_array().value(d.revenue).value(d.orders).end_array();
    out.emplace_back("d/" + std::to_string(day), w.take());
  }
  for (const Uuid& id : dirty_sales_) {
    const Sales& s = sales_[id];
    JsonWriter w(48);
    w.begin_array().value(s.units).value(s.revenue).end_array();
    out.emplace_back(key("ps/", id), w.take());
  }
  for (const Uuid& id : dirty_products_) {
    const Named& p = products_[id];
    JsonWriter w;
    w.begin_array().value(p.name).value(p.category).end_array();
    out.emplace_back(key("p/", id), w.take());
  }
  for (const Uuid& id : dirty_views_)
    out.emplace_back(key("v/", id), std::to_string(views_[id]));
  for (const std::string& q : dirty_searches_)
    out.emplace_back("s/" + q, std::to_string(searches_[q]));
  counters_dirty_ = false;
  dirty_days_.clear();
  dirty_sales_.clear();
  dirty_products_.clear();
  dirty_views_.clear();
  dirty_searches_.clear();
  return out;
}

Status StatsReadModel::load_row(std::string_view key, std::string_view value) {
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec)
    return Status::corruption("stats row " + std::string(key) + " is damaged; rebuild it");
  try {
    const std::string rest(key.substr(key.find('/') + 1));
    auto uuid = [](std::string_view text) {
      const auto id = Uuid::parse(text);
      if (!id)
        throw std::invalid_argument("not a UUID: " + std::string(text));
      return *id;
    };
    if (key == "c") {
      const json::object& o = v.as_object();
      orders_total_ = o.at("orders_total").to_number<uint64_t>();
      for (size_t i = 0; i < 5; ++i)
        by_status_[i] = o.at("by_status").as_array().at(i).to_number<uint64_t>();
      paid_orders_ = o.at("paid_orders").to_number<uint64_t>();
      paid_cents_ = o.at("paid_cents").to_number<int64_t>();
      refunded_cents_ = o.at("refunded_cents").to_number<int64_t>();
    } else if (key.starts_with("o/")) {
      const json::object& o = v.as_object();
      Order order;
      order.day = o.at("day").to_number<int64_t>();
      order.total = o.at("total").to_number<int64_t>();
      order.status = o.at("status").to_number<uint8_t>();
      if (order.status > kCancelled)
        throw std::invalid_argument("unknown status");
      order.refunded = o.at("refunded").to_number<int64_t>();
      for (const auto& l : o.at("lines").as_array()) {
        const auto& a = l.as_array();
        order.lines.push_back({uuid(json::value_to<std::string>(a.at(0))),
                               a.at(1).to_number<int64_t>(), a.at(2).to_number<int64_t>()});
      }
      orders_[uuid(rest)] = std::move(order);
    } else if (key.starts_with("d/")) {
      days_[std::stoll(rest)] = {v.as_array().at(0).to_number<int64_t>(),
                                 v.as_array().at(1).to_number<uint64_t>()};
    } else if (key.starts_with("ps/")) {
      sales_[uuid(rest)] = {v.as_array().at(0).to_number<int64_t>(),
                            v.as_array().at(1).to_number<int64_t>()};
    } else if (key.starts_with("p/")) {
      products_[uuid(rest)] = {json::value_to<std::string>(v.as_array().at(0)),
                               json::value_to<std::string>(v.as_array().at(1))};
    } else if (key.starts_with("v/")) {
      views_[uuid(rest)] = v.to_number<uint64_t>();
    } else if (key.starts_with("s/")) {
      searches_[rest] = v.to_number<uint64_t>();
    }
  } catch (const std::exception& e) {
    return Status::corruption("stats row " + std::string(key) + " is damaged (" + e.what() +
                              "); rebuild it");
  }
  return Status::ok();
}

void StatsReadModel::clear() {
  products_.clear();
  orders_.clear();
  days_.clear();
  sales_.clear();
  views_.clear();
  searches_.clear();
  orders_total_ = paid_orders_ = 0;
  std::fill(std::begin(by_status_), std::end(by_status_), 0);
  paid_cents_ = refunded_cents_ = 0;
  (void)take_changes();
}

Dashboard StatsReadModel::dashboard(size_t top) const {
  std::shared_lock lock(mutex());
  Dashboard d;
  d.orders_total = orders_total_;
  for (size_t i = 0; i < 5; ++i)
    d.orders_by_status[kStatusNames[i]] = by_status_[i];
  d.revenue_cents = paid_cents_ - refunded_cents_;
  d.average_order_cents = paid_orders_ ? paid_cents_ / static_cast<int64_t>(paid_orders_) : 0;
  for (const auto& [day, v] : days_) {
    d.revenue_by_day.push_back(
        {format_rfc3339(day * 86'400'000'000LL).substr(0, 10), v.revenue, v.orders});
  }
  auto name_of = [&](const Uuid& id) {
    auto it = products_.find(id);
    return it == products_.end() ? std::string() : it->second.name;
  };
  std::map<std::string, Sales> categories;
  for (const auto& [id, s] : sales_) {
    if (s.units <= 0)
      continue;
    d.top_products.push_back({id.to_string(), name_of(id), s.units, s.revenue});
    auto p = products_.find(id);
    Sales& c = categories[p == products_.end() ? std::string() : p->second.category];
    c.units += s.units;
    c.revenue += s.revenue;
  }
  auto cut = [top](auto& v, auto less) {
    std::sort(v.begin(), v.end(), less);
    if (v.size() > top)
      v.resize(top);
  };
  cut(d.top_products, [](const ProductSales& a, const ProductSales& b) {
    return a.units != b.units                   ? a.units > b.units
           : a.revenue_cents != b.revenue_cents ? a.revenue_cents > b.revenue_cents
                                                : a.product_id < b.product_id;
  });
  for (const auto& [name, s] : categories)
    d.top_categories.push_back({name, s.units, s.revenue});
  cut(d.top_categories, [](const CategorySales& a, const CategorySales& b) {
    return a.revenue_cents != b.revenue_cents ? a.revenue_cents > b.revenue_cents
                                              : a.category < b.category;
  });
  for (const auto& [id, n] : views_)
    d.most_viewed.push_back({id.to_string(), name_of(id), n});
  cut(d.most_viewed, [](const Counted& a, const Counted& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  });
  for (const auto& [q, n] : searches_)
    d.trending_searches.push_back({q, "", n});
  cut(d.trending_searches, [](const Counted& a, const Counted& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  });
  return d;
}

}  // namespace orderly::projections
