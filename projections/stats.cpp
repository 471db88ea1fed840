#include "projections/stats.h"

#include <algorithm>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/schemas/analytics_events_generated.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/schemas/product_events_generated.h"
#include "core/search_names.h"
#include "core/text.h"

namespace orderly::projections {

namespace {

// 2: orders and their lines as record arrays. 3: a day's revenue is net of
// the refunds of its orders (same layout, other numbers: older ones refused).
// 4: and the cancelled paid orders of old logs. 5: money sums 128 bits wide
// (high and low i64: paid, refunded, each day's and product's revenue).
// 6: each day's refunds, and per day each product's sales and views and
// each search's count (the analytics endpoints' windows).
constexpr uint32_t kSnapshotFormat = 6;
// The fewest bytes each saved element takes, for BinaryReader::count.
constexpr size_t kProductBytes = 16 + 4 + 4;
constexpr size_t kDayBytes = 8 + 16 + 8 + 16;
constexpr size_t kDayTableBytes = 8 + 4;  // a day and its count of entries
constexpr size_t kDayProductBytes = 16 + 8 + 16 + 8;
constexpr size_t kSalesBytes = 16 + 8 + 16;
constexpr size_t kViewBytes = 16 + 8;
constexpr size_t kSearchBytes = 4 + 8;

int64_t day_of(TimestampUs t) {
  return t >= 0 ? t / 86'400'000'000LL : -((-t + 86'399'999'999LL) / 86'400'000'000LL);
}
// Whether order `o` in `status` counts in revenue: paid, and not waiting
// for its cash (cash on delivery).
template <typename Order>
bool counts(const Order& o, OrderStatus status) {
  return is_paid(status) && o.awaiting_cash == 0;
}

// The rarest half of `searches` goes (fewest counts first, ties by query:
// the same history always keeps the same searches, so a rebuild matches),
// their counts kept under kOtherSearches. Each new search then has room to
// prove itself before the next round.
void age_out(absl::flat_hash_map<std::string, uint64_t>& searches) {
  std::vector<std::pair<uint64_t, std::string_view>> by_count;
  by_count.reserve(searches.size());
  for (const auto& [q, n] : searches) {
    if (q != kOtherSearches)
      by_count.emplace_back(n, q);
  }
  const size_t drop = by_count.size() / 2;
  std::nth_element(by_count.begin(), by_count.begin() + static_cast<std::ptrdiff_t>(drop),
                   by_count.end());
  uint64_t other = 0;
  std::vector<std::string> gone;
  gone.reserve(drop);
  for (size_t i = 0; i < drop; ++i) {
    other += by_count[i].first;
    gone.emplace_back(by_count[i].second);
  }
  for (const std::string& q : gone)
    searches.erase(q);
  searches[std::string(kOtherSearches)] += other;
}

// The `top` best of `items` by `better`, best first.
template <typename T, typename Better>
std::vector<T> best_of(std::vector<T> items, size_t top, Better better) {
  const auto n = static_cast<std::ptrdiff_t>(std::min(top, items.size()));
  std::partial_sort(items.begin(), items.begin() + n, items.end(), better);
  items.resize(static_cast<size_t>(n));
  return items;
}

}  // namespace

void StatsReadModel::pay(const Order& o, int sign) {
  paid_cents_ += sign * o.total;
  paid_orders_ += sign;  // (unsigned wrap is undone by the matching +1)
  days_[o.day].revenue += sign * o.total;
  auto& day = day_products_[o.day];
  for (const Line& l : orders_.lines_of(o)) {
    Sales& s = sales_[l.product_id];
    s.units += sign * l.quantity;
    s.revenue += sign * l.line_total;
    DayProduct& d = day[l.product_id];
    d.units += sign * l.quantity;
    d.revenue += sign * l.line_total;
  }
}

void StatsReadModel::move_status(const Uuid& id, OrderStatus to) {
  Order* found = orders_.find(id);
  if (found == nullptr)
    return;
  Order& o = *found;
  const OrderStatus from = static_cast<OrderStatus>(o.status);
  if (counts(o, from) && !counts(o, to)) {
    // Its whole total leaves revenue, so its refunds must stop counting.
    refunded_cents_ -= o.refunded;
    days_[o.day].revenue += o.refunded;
    days_[o.day].refunds -= o.refunded;
    o.refunded = 0;
    if (o.legacy && to == OrderStatus::kCancelled)
      cancelled_paid_.insert(o.id);
  }
  if (counts(o, from) != counts(o, to))
    pay(o, counts(o, to) ? +1 : -1);
  --by_status_[o.status];
  ++by_status_[byte_of(to)];
  o.status = byte_of(to);
  // Delivered and cancelled orders can no longer move revenue: let them go
  // (a delivered one waiting for its cash once it is collected).
  if ((to == OrderStatus::kDelivered && o.awaiting_cash == 0) || to == OrderStatus::kCancelled)
    orders_.close(o);
}

// Cash on delivery: the order is confirmed unpaid (PaymentProcessing with
// that method comes just before its OrderConfirmed) and counts when the
// cash is collected (PaymentSucceeded).
void StatsReadModel::cash_on_delivery(const Uuid& order_id, bool collected) {
  Order* o = orders_.find(order_id);
  if (o == nullptr)
    return;
  if (!collected) {
    o->awaiting_cash = 1;
    return;
  }
  if (o->awaiting_cash == 0)
    return;
  o->awaiting_cash = 0;
  const OrderStatus status = static_cast<OrderStatus>(o->status);
  if (is_paid(status))
    pay(*o, +1);
  if (status == OrderStatus::kDelivered)
    orders_.close(*o);
}

// Revenue is captured minus refunded, per day of placement, so the total is
// the sum of the days and never negative (an order's refunds never exceed
// its total). A cancelled order left revenue whole when it was cancelled:
// the refund that goes with it (reason "order_cancelled", recorded after the
// OrderCancelled) changes nothing here.
void StatsReadModel::refund(const EventView& ev) {
  const auto* e = ev.as<events::PaymentRefunded>();
  const std::string_view reason = e->reason() ? e->reason()->string_view() : std::string_view();
  // "order_not_payable": money captured for an order that was cancelled,
  // expired or paid already: that order never counted for this payment.
  if (reason == "order_cancelled" || reason == "order_not_payable" ||
      (reason.empty() && cancelled_paid_.contains(fb_uuid(e->order_id()))))
    return;
  const int64_t amount = e->amount_cents();
  int64_t day = 0;
  if (Order* o = orders_.find(fb_uuid(e->order_id()))) {
    if (!counts(*o, static_cast<OrderStatus>(o->status)))
      return;               // not in revenue (the writer refunds only paid orders)
    o->refunded += amount;  // undone if the order leaves revenue
    day = o->day;
  } else if (e->order_placed_at_us() != 0) {
    day = day_of(e->order_placed_at_us());  // delivered: its record is let go
  } else {
    // An event from before refunds named their order's day: the refund's
    // own day keeps the total equal to the sum of the days.
    day = day_of(ev.time_us());
  }
  refunded_cents_ += amount;
  days_[day].revenue -= amount;
  days_[day].refunds += amount;
}

void StatsReadModel::apply(const EventView& ev) {
  switch (ev.type()) {
    case EventType::kProductCreated: {
      const auto* e = ev.as<events::ProductCreated>();
      products_[fb_uuid(e->product_id())] = {fb_string(e->name()), fb_string(e->category())};
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
      break;
    }
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      // Placed again while live: counted as a new placement, its record
      // replaced.
      Order& o = orders_.place(fb_uuid(e->order_id()));
      // The decision's clock when the event has it: refunds name the same
      // instant (PaymentRefunded.order_placed_at_us), so land on the same day.
      o.day = day_of(e->placed_at_us() != 0 ? e->placed_at_us() : ev.time_us());
      o.legacy = e->placed_at_us() == 0;
      o.total = e->total_cents();
      if (e->lines()) {
        for (const auto* l : *e->lines())
          orders_.add_line(o, {fb_uuid(l->product_id()), l->quantity(), l->line_total_cents()});
      }
      ++orders_total_;
      ++by_status_[byte_of(OrderStatus::kPending)];
      ++days_[o.day].orders;
      break;
    }
    case EventType::kOrderConfirmed:
      move_status(fb_uuid(ev.as<events::OrderConfirmed>()->order_id()), OrderStatus::kConfirmed);
      break;
    case EventType::kOrderShipped:
      move_status(fb_uuid(ev.as<events::OrderShipped>()->order_id()), OrderStatus::kShipped);
      break;
    case EventType::kOrderDelivered:
      move_status(fb_uuid(ev.as<events::OrderDelivered>()->order_id()), OrderStatus::kDelivered);
      break;
    case EventType::kOrderCancelled:
      move_status(fb_uuid(ev.as<events::OrderCancelled>()->order_id()), OrderStatus::kCancelled);
      break;
    case EventType::kPaymentRefunded:
      refund(ev);
      break;
    case EventType::kPaymentProcessing: {
      const auto* e = ev.as<events::PaymentProcessing>();
      if (fb_view(e->payment_method()) == "cash_on_delivery")
        cash_on_delivery(fb_uuid(e->order_id()), false);
      break;
    }
    case EventType::kPaymentSucceeded: {
      const auto* e = ev.as<events::PaymentSucceeded>();
      if (fb_view(e->payment_method()) == "cash_on_delivery")
        cash_on_delivery(fb_uuid(e->order_id()), true);
      break;
    }
    case EventType::kAnalyticsRecorded: {
      const auto* e = ev.as<events::AnalyticsRecorded>();
      const int64_t day = day_of(ev.time_us());
      if (e->product_views()) {
        auto& today = day_products_[day];
        for (const auto* v : *e->product_views()) {
          views_[fb_uuid(v->product_id())] += v->count();
          today[fb_uuid(v->product_id())].views += v->count();
        }
      }
      if (e->searches()) {
        auto& today = day_searches_[day];
        for (const auto* s : *e->searches()) {
          searches_[fb_string(s->query())] += s->count();
          today[fb_string(s->query())] += s->count();
        }
        if (searches_.size() > kMaxTrackedSearches)
          age_out(searches_);
        if (today.size() > kMaxSearchesPerDay)
          age_out(today);
      }
      break;
    }
    default:
      break;
  }
}

Rows StatsReadModel::rows() const {
  Rows out;
  out.reserve(1 + orders_.live() + days_.size() * 8 + sales_.size() + products_.size() +
              views_.size() + searches_.size());
  auto key = [](std::string_view prefix, const Uuid& id) {
    std::string k(prefix);
    id.append_to(k);
    return k;
  };
  JsonWriter c;
  c.begin_object().field("orders_total", orders_total_).key("by_status").begin_array();
  for (uint64_t n : by_status_)
    c.value(n);
  c.end_array()
      .field("paid_orders", paid_orders_)
      .field("paid_cents", wide_text(paid_cents_))
      .field("refunded_cents", wide_text(refunded_cents_))
      .end_object();
  out.emplace_back("c", c.take());
  orders_.for_each_live([&](const Order& o) {
    mutex_.assert_reader_held();  // called back under the caller's lock
    JsonWriter w(96 + 64 * o.line_count);
    w.begin_object()
        .field("day", o.day)
        .field("total", o.total)
        .field("status", static_cast<int>(o.status))
        .field("refunded", o.refunded)
        .key("lines")
        .begin_array();
    for (const Line& l : orders_.lines_of(o))
      w.begin_array().value(l.product_id).value(l.quantity).value(l.line_total).end_array();
    w.end_array().end_object();
    out.emplace_back(key("o/", o.id), w.take());
  });
  for (const auto& [day, d] : days_) {
    JsonWriter w(64);
    w.begin_array()
        .value(wide_text(d.revenue))
        .value(d.orders)
        .value(wide_text(d.refunds))
        .end_array();
    out.emplace_back("d/" + std::to_string(day), w.take());
  }
  for (const auto& [day, products] : day_products_) {
    for (const auto& [id, p] : products) {
      JsonWriter w(64);
      w.begin_array().value(p.units).value(wide_text(p.revenue)).value(p.views).end_array();
      out.emplace_back(key("dp/" + std::to_string(day) + "/", id), w.take());
    }
  }
  for (const auto& [day, searches] : day_searches_) {
    for (const auto& [q, n] : searches)
      out.emplace_back("ds/" + std::to_string(day) + "/" + q, std::to_string(n));
  }
  for (const auto& [id, s] : sales_) {
    JsonWriter w(48);
    w.begin_array().value(s.units).value(wide_text(s.revenue)).end_array();
    out.emplace_back(key("ps/", id), w.take());
  }
  for (const auto& [id, p] : products_) {
    JsonWriter w;
    w.begin_array().value(p.name).value(p.category).end_array();
    out.emplace_back(key("p/", id), w.take());
  }
  for (const auto& [id, n] : views_)
    out.emplace_back(key("v/", id), std::to_string(n));
  for (const auto& [q, n] : searches_)
    out.emplace_back("s/" + q, std::to_string(n));
  for (const Uuid& id : cancelled_paid_)
    out.emplace_back(key("x/", id), "1");
  return out;
}

// Snapshot layout (all fixed width, see core/binary_codec.h):
//   format, counters, orders (the bulk: millions), then the small tables
//   products, days (ascending), sales, views, searches.
void StatsReadModel::save(BinaryWriter& out) const {
  out.reserve(out.size() + 128 + orders_.saved_bytes() + products_.size() * 64 +
              days_.size() * kDayBytes + sales_.size() * kSalesBytes + views_.size() * kViewBytes +
              searches_.size() * 32);
  out.u32(kSnapshotFormat);
  save_counters(out);
  save_orders(out);
  save_tables(out);
  save_days(out);
}

void StatsReadModel::save_counters(BinaryWriter& out) const {
  out.u64(orders_total_);
  for (uint64_t n : by_status_)
    out.u64(n);
  out.u64(paid_orders_);
  put_wide(out, paid_cents_);
  put_wide(out, refunded_cents_);
}

// See OrderRecords::save: the index is derived, load rebuilds it.
void StatsReadModel::save_orders(BinaryWriter& out) const {
  orders_.save(out);
}

void StatsReadModel::save_tables(BinaryWriter& out) const {
  out.count(products_.size());
  for (const auto& [id, p] : products_) {
    out.uuid(id);
    out.bytes(p.name);
    out.bytes(p.category);
  }
  out.count(days_.size());
  for (const auto& [day, d] : days_) {
    out.i64(day);
    put_wide(out, d.revenue);
    out.u64(d.orders);
    put_wide(out, d.refunds);
  }
  out.count(sales_.size());
  for (const auto& [id, s] : sales_) {
    out.uuid(id);
    out.i64(s.units);
    put_wide(out, s.revenue);
  }
  out.count(views_.size());
  for (const auto& [id, n] : views_) {
    out.uuid(id);
    out.u64(n);
  }
  out.count(searches_.size());
  for (const auto& [q, n] : searches_) {
    out.bytes(q);
    out.u64(n);
  }
  out.count(cancelled_paid_.size());
  for (const Uuid& id : cancelled_paid_)
    out.uuid(id);
}

Status StatsReadModel::load(BinaryReader& in) {
  clear();
  if (in.u32() != kSnapshotFormat)
    in.fail();
  load_counters(in);
  load_orders(in);
  load_tables(in);
  load_days(in);
  Status status = in.finish("snapshot of read model stats");
  if (!status.is_ok())
    clear();
  return status;
}

void StatsReadModel::load_counters(BinaryReader& in) {
  orders_total_ = in.u64();
  for (uint64_t& n : by_status_)
    n = in.u64();
  paid_orders_ = in.u64();
  paid_cents_ = get_wide(in);
  refunded_cents_ = get_wide(in);
}

void StatsReadModel::load_orders(BinaryReader& in) {
  if (!orders_.load(in)) {
    in.fail();
    return;
  }
  // Delivered and cancelled orders are let go (move_status): never live.
  for (const Order& o : orders_.records()) {
    if (o.live && o.status > byte_of(OrderStatus::kShipped))
      in.fail();
  }
}

void StatsReadModel::load_tables(BinaryReader& in) {
  const size_t products = in.count(kProductBytes);
  products_.reserve(products);
  for (size_t i = 0; i < products && in.ok(); ++i) {
    const Uuid id = in.uuid();
    const std::string_view name = in.bytes();
    const std::string_view category = in.bytes();
    if (!products_.try_emplace(id, Named{std::string(name), std::string(category)}).second)
      in.fail();
  }
  // Saved in ascending order, so each day goes at the end of the map.
  const size_t days = in.count(kDayBytes);
  for (size_t i = 0; i < days && in.ok(); ++i) {
    const int64_t day = in.i64();
    if (!days_.empty() && day <= days_.rbegin()->first)
      in.fail();
    Day& d = days_.emplace_hint(days_.end(), day, Day{})->second;
    d.revenue = get_wide(in);
    d.orders = in.u64();
    d.refunds = get_wide(in);
  }
  const size_t sales = in.count(kSalesBytes);
  sales_.reserve(sales);
  for (size_t i = 0; i < sales && in.ok(); ++i) {
    const Uuid id = in.uuid();
    const int64_t units = in.i64();
    if (!sales_.try_emplace(id, Sales{units, get_wide(in)}).second)
      in.fail();
  }
  const size_t views = in.count(kViewBytes);
  views_.reserve(views);
  for (size_t i = 0; i < views && in.ok(); ++i) {
    const Uuid id = in.uuid();
    if (!views_.try_emplace(id, in.u64()).second)
      in.fail();
  }
  const size_t searches = in.count(kSearchBytes);
  searches_.reserve(searches);
  for (size_t i = 0; i < searches && in.ok(); ++i) {
    const std::string_view q = in.bytes();
    if (!searches_.try_emplace(std::string(q), in.u64()).second)
      in.fail();
  }
  const size_t cancelled = in.count(16);
  cancelled_paid_.reserve(cancelled);
  for (size_t i = 0; i < cancelled && in.ok(); ++i) {
    if (!cancelled_paid_.insert(in.uuid()).second)
      in.fail();
  }
}

// Per day, ascending: each product's sales and views, then each search's count.
void StatsReadModel::save_days(BinaryWriter& out) const {
  out.count(day_products_.size());
  for (const auto& [day, products] : day_products_) {
    out.i64(day);
    out.count(products.size());
    for (const auto& [id, p] : products) {
      out.uuid(id);
      out.i64(p.units);
      put_wide(out, p.revenue);
      out.u64(p.views);
    }
  }
  out.count(day_searches_.size());
  for (const auto& [day, searches] : day_searches_) {
    out.i64(day);
    out.count(searches.size());
    for (const auto& [q, n] : searches) {
      out.bytes(q);
      out.u64(n);
    }
  }
}

void StatsReadModel::load_days(BinaryReader& in) {
  // Days saved in ascending order, so each goes at the end of its map.
  const size_t product_days = in.count(kDayTableBytes);
  for (size_t i = 0; i < product_days && in.ok(); ++i) {
    const int64_t day = in.i64();
    if (!day_products_.empty() && day <= day_products_.rbegin()->first)
      in.fail();
    auto& products = day_products_.emplace_hint(day_products_.end(), day, 0)->second;
    const size_t n = in.count(kDayProductBytes);
    products.reserve(n);
    for (size_t j = 0; j < n && in.ok(); ++j) {
      const Uuid id = in.uuid();
      DayProduct p;
      p.units = in.i64();
      p.revenue = get_wide(in);
      p.views = in.u64();
      if (!products.try_emplace(id, p).second)
        in.fail();
    }
  }
  const size_t search_days = in.count(kDayTableBytes);
  for (size_t i = 0; i < search_days && in.ok(); ++i) {
    const int64_t day = in.i64();
    if (!day_searches_.empty() && day <= day_searches_.rbegin()->first)
      in.fail();
    auto& searches = day_searches_.emplace_hint(day_searches_.end(), day, 0)->second;
    const size_t n = in.count(kSearchBytes);
    searches.reserve(n);
    for (size_t j = 0; j < n && in.ok(); ++j) {
      const std::string_view q = in.bytes();
      if (!searches.try_emplace(std::string(q), in.u64()).second)
        in.fail();
    }
  }
}

void StatsReadModel::expect_events(uint64_t events) {
  orders_.reserve(events);  // an order is at least one event
}

void StatsReadModel::clear() {
  products_.clear();
  orders_.clear();
  days_.clear();
  day_products_.clear();
  day_searches_.clear();
  sales_.clear();
  views_.clear();
  searches_.clear();
  cancelled_paid_.clear();
  orders_total_ = paid_orders_ = 0;
  std::fill(std::begin(by_status_), std::end(by_status_), 0);
  paid_cents_ = refunded_cents_ = 0;
}

Dashboard StatsReadModel::dashboard(size_t top) const {
  ReaderLock lock(mutex_);
  Dashboard d;
  d.orders_total = orders_total_;
  for (uint8_t i = 0; i < kOrderStatusCount; ++i)
    d.orders_by_status[std::string(order_status_name(static_cast<OrderStatus>(i)))] = by_status_[i];
  d.revenue_cents = saturated(paid_cents_ - refunded_cents_);
  d.refunded_cents = saturated(refunded_cents_);
  d.average_order_cents =
      paid_orders_ ? saturated(paid_cents_ / static_cast<WideCents>(paid_orders_)) : 0;
  for (const auto& [day, v] : days_) {
    d.revenue_by_day.push_back(
        {format_rfc3339(day * 86'400'000'000LL).substr(0, 10), saturated(v.revenue), v.orders});
  }
  auto name_of = [&](const Uuid& id) REQUIRES_SHARED(mutex_) {
    auto it = products_.find(id);
    return it == products_.end() ? std::string() : it->second.name;
  };
  // Rankings over every product or query are partial sorts of pointers:
  // only the `top` shown are copied into strings (a shop has thousands of
  // products, and the dashboard is asked for often). Ties go by id or
  // query; an id's text sorts as the id does.
  using SalesEntry = std::pair<const Uuid, Sales>;
  std::vector<const SalesEntry*> sold;
  absl::flat_hash_map<std::string_view, Sales> categories;
  for (const auto& entry : sales_) {
    if (entry.second.units <= 0)
      continue;
    sold.push_back(&entry);
    auto p = products_.find(entry.first);
    Sales& c = categories[p == products_.end() ? std::string_view() : p->second.category];
    c.units += entry.second.units;
    c.revenue += entry.second.revenue;
  }
  for (const SalesEntry* e : best_of(std::move(sold), top, [](const auto*a, const auto*b) {
         const Sales &x = a->second, &y = b->second;
         return x.units != y.units       ? x.units > y.units
                : x.revenue != y.revenue ? x.revenue > y.revenue
                                         : a->first < b->first;
       })) {
    d.top_products.push_back(
        {e->first.to_string(), name_of(e->first), e->second.units, saturated(e->second.revenue)});
  }
  std::vector<const std::pair<const std::string_view, Sales>*> by_category;
  for (const auto& entry : categories)
    by_category.push_back(&entry);
  for (const auto* e : best_of(std::move(by_category), top, [](const auto*a, const auto*b) {
         return a->second.revenue != b->second.revenue ? a->second.revenue > b->second.revenue
                                                       : a->first < b->first;
       })) {
    d.top_categories.push_back(
        {std::string(e->first), e->second.units, saturated(e->second.revenue)});
  }
  std::vector<const std::pair<const Uuid, uint64_t>*> viewed;
  for (const auto& entry : views_)
    viewed.push_back(&entry);
  for (const auto* e : best_of(std::move(viewed), top, [](const auto*a, const auto*b) {
         return a->second != b->second ? a->second > b->second : a->first < b->first;
       })) {
    d.most_viewed.push_back({e->first.to_string(), name_of(e->first), e->second});
  }
  std::vector<const std::pair<const std::string, uint64_t>*> searched;
  for (const auto& entry : searches_)
    searched.push_back(&entry);
  for (const auto* e : best_of(std::move(searched), top, [](const auto*a, const auto*b) {
         return a->second != b->second ? a->second > b->second : a->first < b->first;
       })) {
    d.trending_searches.push_back({e->first, "", e->second});
  }
  return d;
}

}  // namespace orderly::projections
