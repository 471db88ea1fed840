// The shop-wide statistics read model: GET /api/stats/dashboard answers from
// it (low stock comes from the catalog model).
//
// Revenue counts orders once they are paid or confirmed (confirmed, shipped,
// delivered), by the day they were placed (UTC), and leaves them if a
// confirmed order is cancelled; refunds of orders that count are subtracted
// from their order's day. So revenue_cents = captured - refunded = the sum
// of revenue_by_day, and never negative. Sums are 128 bits wide (exact, no
// overflow however many orders: wide_cents.h) and saturate to int64 only in
// the Dashboard.
// Views and searches come from the analytics batches in the log; at most
// kMaxTrackedSearches distinct searches are kept: past that the rarest half
// is aged out into one "(other)" count (commands/analytics.h).
//
// Per UTC day it also keeps what the analytics endpoints rank and chart
// over a window (GET /api/analytics/...): each product's units, revenue and
// views, each search's count (at most kMaxSearchesPerDay a day, aged out the
// same way), and each day's refunds. Sales count on the day their order was
// placed, like revenue; views and searches on the day they were recorded.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/order_status.h"
#include "core/uuid.h"
#include "projections/order_records.h"
#include "projections/projection.h"
#include "projections/wide_cents.h"

namespace orderly::projections {

struct DayRevenue {
  std::string date;  // YYYY-MM-DD
  int64_t revenue_cents = 0;
  uint64_t orders = 0;  // placed that day
};
struct ProductSales {
  std::string product_id, name;
  int64_t units = 0, revenue_cents = 0;
};
struct CategorySales {
  std::string category;
  int64_t units = 0, revenue_cents = 0;
};
struct Counted {
  std::string key, name;  // product id and name, or a search query
  uint64_t count = 0;
};

struct Dashboard {
  uint64_t orders_total = 0;
  std::map<std::string, uint64_t> orders_by_status;
  int64_t revenue_cents = 0;               // captured minus refunded
  int64_t refunded_cents = 0;              // refunds of orders that count in revenue
  int64_t average_order_cents = 0;         // revenue before refunds / paid orders
  std::vector<DayRevenue> revenue_by_day;  // oldest first
  std::vector<ProductSales> top_products;  // by units, then revenue
  std::vector<CategorySales> top_categories;
  std::vector<Counted> most_viewed;
  std::vector<Counted> trending_searches;
};

inline constexpr size_t kMaxTrackedSearches = 10'000;
inline constexpr size_t kMaxSearchesPerDay = 1'000;

// Whole UTC days since 1970-01-01, `from` included, `to` not.
struct DayRange {
  int64_t from = 0, to = 0;
  int64_t length() const { return to - from; }
};
enum class PopularBy : uint8_t { kUnits, kRevenue, kViews };
struct PopularProduct {
  std::string product_id, name;
  int64_t units = 0, revenue_cents = 0;  // of paid orders placed in the window, before refunds
  uint64_t views = 0;
};
struct TrendingSearch {
  std::string query;
  uint64_t count = 0, previous_count = 0;  // in the window, in the window of the same length before
};
struct RevenueDay {
  int64_t day = 0;
  int64_t revenue_cents = 0;  // net of refunds, as Dashboard::revenue_by_day
  int64_t refunds_cents = 0;  // refunds of orders placed that day that count in revenue
  uint64_t orders = 0;        // placed that day
};

class StatsReadModel final : public Projection {
 public:
  std::string_view name() const override { return "stats"; }
  void apply(const EventView& event) override REQUIRES(mutex_);
  Rows rows() const override REQUIRES_SHARED(mutex_);
  void save(BinaryWriter& out) const override REQUIRES_SHARED(mutex_);
  Status load(BinaryReader& in) override REQUIRES(mutex_);
  void clear() override REQUIRES(mutex_);
  void expect_events(uint64_t events) override REQUIRES(mutex_);

  Dashboard dashboard(size_t top = 10) const;

  // The analytics endpoints' answers over `days` (stats_windows.cpp).
  // The `limit` best products with some of `by` in the window, best first
  // (ties: the other measures, then id).
  std::vector<PopularProduct> popular_products(DayRange days, PopularBy by, size_t limit) const;
  // The `limit` searches of the window that rose most against the window of
  // the same length just before it (ties: more searches, then the query).
  std::vector<TrendingSearch> trending_searches(DayRange days, size_t limit) const;
  // Each day of the window that has orders or revenue, oldest first.
  std::vector<RevenueDay> revenue_days(DayRange days) const;

 private:
  // Orders and their lines are plain records in two arrays (a rebuild folds
  // millions: no allocation per order, and the snapshot is their bytes).
  struct Line {
    Uuid product_id;
    int64_t quantity = 0, line_total = 0;
  };
  struct Order {  // kept until its status can no longer change revenue
    Uuid id;
    int64_t day = 0, total = 0;
    int64_t refunded = 0;                     // refunds of this order, counted in refunded_cents_
    uint32_t first_line = 0, line_count = 0;  // see OrderRecords
    uint8_t status = byte_of(OrderStatus::kPending);  // an OrderStatus
    uint8_t live = 1;                                 // 0: delivered or cancelled, let go
    uint8_t legacy = 0;  // placed before events carried placed_at (see cancelled_paid_)
    // Confirmed unpaid, cash on delivery: counts once its cash is collected.
    uint8_t awaiting_cash = 0;
    uint8_t unused[4] = {};
  };
  struct Sales {
    int64_t units = 0;
    WideCents revenue = 0;
  };
  struct Day {
    WideCents revenue = 0;
    uint64_t orders = 0;
    WideCents refunds = 0;  // counted in revenue's subtraction
  };
  struct DayProduct {  // one product on one day
    int64_t units = 0;
    WideCents revenue = 0;
    uint64_t views = 0;
  };
  struct Named {
    std::string name, category;
  };
  void move_status(const Uuid& id, OrderStatus to) REQUIRES(mutex_);
  void refund(const EventView& ev) REQUIRES(mutex_);
  void cash_on_delivery(const Uuid& order_id, bool collected) REQUIRES(mutex_);
  void pay(const Order& o, int sign) REQUIRES(mutex_);
  void save_days(BinaryWriter& out) const REQUIRES_SHARED(mutex_);
  void load_days(BinaryReader& in) REQUIRES(mutex_);
  // One snapshot section each, in the order save() writes them.
  void save_counters(BinaryWriter& out) const REQUIRES_SHARED(mutex_);
  void save_orders(BinaryWriter& out) const REQUIRES_SHARED(mutex_);
  void save_tables(BinaryWriter& out) const REQUIRES_SHARED(mutex_);
  void load_counters(BinaryReader& in) REQUIRES(mutex_);
  void load_orders(BinaryReader& in) REQUIRES(mutex_);
  void load_tables(BinaryReader& in) REQUIRES(mutex_);

  // Binary ids: order events are folded millions of times per rebuild.
  absl::flat_hash_map<Uuid, Named, UuidHash> products_ GUARDED_BY(mutex_);
  OrderRecords<Order, Line> orders_ GUARDED_BY(mutex_);  // until they can no longer move revenue
  std::map<int64_t, Day> days_ GUARDED_BY(mutex_);
  std::map<int64_t, absl::flat_hash_map<Uuid, DayProduct, UuidHash>> day_products_
      GUARDED_BY(mutex_);
  std::map<int64_t, absl::flat_hash_map<std::string, uint64_t>> day_searches_ GUARDED_BY(mutex_);
  absl::flat_hash_map<Uuid, Sales, UuidHash> sales_ GUARDED_BY(mutex_);  // by product
  absl::flat_hash_map<Uuid, uint64_t, UuidHash> views_ GUARDED_BY(mutex_);
  absl::flat_hash_map<std::string, uint64_t> searches_ GUARDED_BY(mutex_);
  // Paid orders placed before refunds named their reason, since cancelled:
  // a refund of theirs from that time (no reason) must not be subtracted
  // again. Orders placed since never enter it.
  absl::flat_hash_set<Uuid, UuidHash> cancelled_paid_ GUARDED_BY(mutex_);
  uint64_t orders_total_ GUARDED_BY(mutex_) = 0;
  uint64_t by_status_[kOrderStatusCount] GUARDED_BY(mutex_) = {};
  uint64_t paid_orders_ GUARDED_BY(mutex_) = 0;
  WideCents paid_cents_ GUARDED_BY(mutex_) = 0, refunded_cents_ GUARDED_BY(mutex_) = 0;
};

}  // namespace orderly::projections
