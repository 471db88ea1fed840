// The stats read model over a window of days: what the analytics endpoints
// (GET /api/analytics/...) rank and chart. The per-day tables are ordered
// maps, so a window is one range of them however long the history.
#include <algorithm>

#include "core/search_names.h"
#include "projections/stats.h"

namespace orderly::projections {

namespace {

// The days of `days` in `by_day`, a map keyed by day.
template <typename Map>
auto days_in(const Map& by_day, DayRange days) {
  struct Range {
    typename Map::const_iterator b, e;
    auto begin() const { return b; }
    auto end() const { return e; }
  };
  return Range{by_day.lower_bound(days.from), by_day.lower_bound(days.to)};
}

// How a PopularProduct compares on `by`: the measure asked for first, then
// the other two, then the id (a total order: the same answer every time).
bool more_popular(const PopularProduct& a, const PopularProduct& b, PopularBy by) {
  auto key = [by](const PopularProduct& p) {
    switch (by) {
      case PopularBy::kRevenue:
        return std::make_tuple(p.revenue_cents, p.units, static_cast<int64_t>(p.views));
      case PopularBy::kViews:
        return std::make_tuple(static_cast<int64_t>(p.views), p.units, p.revenue_cents);
      case PopularBy::kUnits:
        break;
    }
    return std::make_tuple(p.units, p.revenue_cents, static_cast<int64_t>(p.views));
  };
  const auto ka = key(a), kb = key(b);
  return ka != kb ? ka > kb : a.product_id < b.product_id;
}

}  // namespace

std::vector<PopularProduct> StatsReadModel::popular_products(DayRange days, PopularBy by,
                                                             size_t limit) const {
  ReaderLock lock(mutex_);
  struct Sum {
    int64_t units = 0;
    WideCents revenue = 0;
    uint64_t views = 0;
  };
  absl::flat_hash_map<Uuid, Sum, UuidHash> sums;
  for (const auto& [day, products] : days_in(day_products_, days)) {
    for (const auto& [id, p] : products) {
      Sum& s = sums[id];
      s.units += p.units;
      s.revenue += p.revenue;
      s.views += p.views;
    }
  }
  std::vector<PopularProduct> out;
  for (const auto& [id, s] : sums) {
    const bool counts = by == PopularBy::kViews     ? s.views > 0
                        : by == PopularBy::kRevenue ? s.revenue > 0
                                                    : s.units > 0;
    if (!counts)
      continue;
    auto named = products_.find(id);
    out.push_back({id.to_string(), named == products_.end() ? std::string() : named->second.name,
                   s.units, saturated(s.revenue), s.views});
  }
  const auto n = static_cast<std::ptrdiff_t>(std::min(limit, out.size()));
  std::partial_sort(out.begin(), out.begin() + n, out.end(),
                    [by](const auto& a, const auto& b) { return more_popular(a, b, by); });
  out.resize(static_cast<size_t>(n));
  return out;
}

std::vector<TrendingSearch> StatsReadModel::trending_searches(DayRange days, size_t limit) const {
  ReaderLock lock(mutex_);
  absl::flat_hash_map<std::string_view, TrendingSearch> sums;
  for (const auto& [day, searches] : days_in(day_searches_, days)) {
    for (const auto& [q, n] : searches)
      sums[q].count += n;
  }
  // Only the window's searches are ranked: one that stopped is not trending.
  for (const auto& [day, searches] :
       days_in(day_searches_, {days.from - days.length(), days.from})) {
    for (const auto& [q, n] : searches) {
      if (auto it = sums.find(q); it != sums.end())
        it->second.previous_count += n;
    }
  }
  std::vector<TrendingSearch> out;
  for (auto& [q, s] : sums) {
    if (q == kOtherSearches)  // the aged-out rest, not a query anyone typed
      continue;
    s.query = std::string(q);
    out.push_back(std::move(s));
  }
  auto rise = [](const TrendingSearch& s) {
    return static_cast<WideCents>(s.count) - static_cast<WideCents>(s.previous_count);  // exact
  };
  const auto n = static_cast<std::ptrdiff_t>(std::min(limit, out.size()));
  std::partial_sort(out.begin(), out.begin() + n, out.end(), [&](const auto& a, const auto& b) {
    return rise(a) != rise(b)   ? rise(a) > rise(b)
           : a.count != b.count ? a.count > b.count
                                : a.query < b.query;
  });
  out.resize(static_cast<size_t>(n));
  return out;
}

std::vector<RevenueDay> StatsReadModel::revenue_days(DayRange days) const {
  ReaderLock lock(mutex_);
  std::vector<RevenueDay> out;
  for (const auto& [day, d] : days_in(days_, days))
    out.push_back({day, saturated(d.revenue), saturated(d.refunds), d.orders});
  return out;
}

}  // namespace orderly::projections
