#include "projections/stats.h"
#include "core/text.h"

#include <boost/json.hpp>

#include <algorithm>

#include "core/clock.h"
#include "core/event_json.h"
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
  dirty_.insert("d/" + std::to_string(o.day));
  for (const Line& l : o.lines) {
    Sales& s = sales_[l.product_id];
    s.units += sign * l.quantity;
    s.revenue += sign * l.line_total;
    dirty_.insert("ps/" + l.product_id);
  }
  dirty_.insert("c");
}

void StatsReadModel::move_status(const std::string& id, uint8_t to) {
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
  dirty_.insert("c");
  dirty_.insert("o/" + id);
  // Delivered and cancelled orders can no longer move revenue: let them go.
  if (to == kDelivered || to == kCancelled)
    orders_.erase(it);
}

void StatsReadModel::apply(const EventView& ev) {
  switch (ev.type()) {
    case EventType::kProductCreated: {
      const auto* e = ev.as<events::ProductCreated>();
      products_[fb_string(e->product_id())] = {fb_string(e->name()), fb_string(e->category())};
      dirty_.insert("p/" + fb_string(e->product_id()));
      break;
    }
    case EventType::kProductUpdated: {
      const auto* e = ev.as<events::ProductUpdated>();
      auto it = products_.find(fb_string(e->product_id()));
      if (it == products_.end())
        break;
      if (e->name())
        it->second.first = e->name()->str();
      if (e->category())
        it->second.second = e->category()->str();
      dirty_.insert("p/" + it->first);
      break;
    }
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      Order o;
      o.day = day_of(ev.time_us());
      o.total = e->total_cents();
      if (e->lines()) {
        for (const auto* l : *e->lines())
          o.lines.push_back({fb_string(l->product_id()), l->quantity(), l->line_total_cents()});
      }
      ++orders_total_;
      ++by_status_[kPending];
      ++days_[o.day].orders;
      dirty_.insert("d/" + std::to_string(o.day));
      dirty_.insert("c");
      const std::string id = fb_string(e->order_id());
      dirty_.insert("o/" + id);
      orders_[id] = std::move(o);
      break;
    }
    case EventType::kOrderConfirmed:
      move_status(fb_string(ev.as<events::OrderConfirmed>()->order_id()), kConfirmed);
      break;
    case EventType::kOrderShipped:
      move_status(fb_string(ev.as<events::OrderShipped>()->order_id()), kShipped);
      break;
    case EventType::kOrderDelivered:
      move_status(fb_string(ev.as<events::OrderDelivered>()->order_id()), kDelivered);
      break;
    case EventType::kOrderCancelled:
      move_status(fb_string(ev.as<events::OrderCancelled>()->order_id()), kCancelled);
      break;
    case EventType::kPaymentRefunded: {
      const auto* e = ev.as<events::PaymentRefunded>();
      refunded_cents_ += e->amount_cents();
      const std::string order_id = fb_string(e->order_id());
      if (auto it = orders_.find(order_id); it != orders_.end()) {
        it->second.refunded += e->amount_cents();  // undone if the order leaves revenue
        dirty_.insert("o/" + order_id);
      }
      dirty_.insert("c");
      break;
    }
    case EventType::kAnalyticsRecorded: {
      const auto* e = ev.as<events::AnalyticsRecorded>();
      if (e->product_views()) {
        for (const auto* v : *e->product_views()) {
          views_[fb_string(v->product_id())] += v->count();
          dirty_.insert("v/" + fb_string(v->product_id()));
        }
      }
      if (e->searches()) {
        for (const auto* s : *e->searches()) {
          searches_[fb_string(s->query())] += s->count();
          dirty_.insert("s/" + fb_string(s->query()));
        }
      }
      break;
    }
    default:
      break;
  }
}

RowChanges StatsReadModel::take_changes() {
  RowChanges out;
  for (const std::string& key : dirty_) {
    const std::string rest = key.substr(key.find('/') + 1);
    std::optional<std::string> value;
    if (key == "c") {
      value = "{\"orders_total\":" + std::to_string(orders_total_) + ",\"by_status\":[" +
              std::to_string(by_status_[0]) + "," + std::to_string(by_status_[1]) + "," +
              std::to_string(by_status_[2]) + "," + std::to_string(by_status_[3]) + "," +
              std::to_string(by_status_[4]) + "],\"paid_orders\":" + std::to_string(paid_orders_) +
              ",\"paid_cents\":" + std::to_string(paid_cents_) +
              ",\"refunded_cents\":" + std::to_string(refunded_cents_) + "}";
    } else if (key.starts_with("o/")) {
      if (auto it = orders_.find(rest); it != orders_.end()) {
        std::string lines;
        for (const Line& l : it->second.lines) {
          lines += (lines.empty() ? "" : ",") + std::string("[") + json_quote(l.product_id) + "," +
                   std::to_string(l.quantity) + "," + std::to_string(l.line_total) + "]";
        }
        value = "{\"day\":" + std::to_string(it->second.day) +
                ",\"total\":" + std::to_string(it->second.total) +
                ",\"status\":" + std::to_string(it->second.status) +
                ",\"refunded\":" + std::to_string(it->second.refunded) + ",\"lines\":[" + lines +
                "]}";
      }
    } else if (key.starts_with("d/")) {
      const Day& d = days_[std::stoll(rest)];
      value = "[" + std::to_string(d.revenue) + "," + std::to_string(d.orders) + "]";
    } else if (key.starts_with("ps/")) {
      const Sales& s = sales_[rest];
      value = "[" + std::to_string(s.units) + "," + std::to_string(s.revenue) + "]";
    } else if (key.starts_with("p/")) {
      const auto& p = products_[rest];
      value = "[" + json_quote(p.first) + "," + json_quote(p.second) + "]";
    } else if (key.starts_with("v/")) {
      value = std::to_string(views_[rest]);
    } else if (key.starts_with("s/")) {
      value = std::to_string(searches_[rest]);
    }
    out.emplace_back(key, std::move(value));
  }
  dirty_.clear();
  return out;
}

Status StatsReadModel::load_row(std::string_view key, std::string_view value) {
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec)
    return Status::corruption("stats row " + std::string(key) + " is damaged; rebuild it");
  try {
    const std::string rest(key.substr(key.find('/') + 1));
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
      order.refunded = o.at("refunded").to_number<int64_t>();
      for (const auto& l : o.at("lines").as_array()) {
        const auto& a = l.as_array();
        order.lines.push_back({json::value_to<std::string>(a.at(0)), a.at(1).to_number<int64_t>(),
                               a.at(2).to_number<int64_t>()});
      }
      orders_[rest] = std::move(order);
    } else if (key.starts_with("d/")) {
      days_[std::stoll(rest)] = {v.as_array().at(0).to_number<int64_t>(),
                                 v.as_array().at(1).to_number<uint64_t>()};
    } else if (key.starts_with("ps/")) {
      sales_[rest] = {v.as_array().at(0).to_number<int64_t>(),
                      v.as_array().at(1).to_number<int64_t>()};
    } else if (key.starts_with("p/")) {
      products_[rest] = {json::value_to<std::string>(v.as_array().at(0)),
                         json::value_to<std::string>(v.as_array().at(1))};
    } else if (key.starts_with("v/")) {
      views_[rest] = v.to_number<uint64_t>();
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
  dirty_.clear();
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
  auto name_of = [&](const std::string& id) {
    auto it = products_.find(id);
    return it == products_.end() ? std::string() : it->second.first;
  };
  std::map<std::string, Sales> categories;
  for (const auto& [id, s] : sales_) {
    if (s.units <= 0)
      continue;
    d.top_products.push_back({id, name_of(id), s.units, s.revenue});
    auto p = products_.find(id);
    Sales& c = categories[p == products_.end() ? std::string() : p->second.second];
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
    d.most_viewed.push_back({id, name_of(id), n});
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
