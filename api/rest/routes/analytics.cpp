// The analytics a merchant asks for (admin): the products that sold or were
// looked at most, the searches on the rise, and revenue over time, each over
// a window of whole UTC days (api/rest/requests/analytics.h), from the stats
// read model's per-day tables (projections/stats.h).
#include <boost/json.hpp>

#include "api/rest/problem.h"
#include "api/rest/requests/analytics.h"
#include "api/rest/routes/context.h"
#include "projections/stats.h"

namespace orderly::api::rest::routes {

namespace {

constexpr int64_t kDayUs = 86'400'000'000LL;

requests::QueryParam params_of(const Call& call) {
  return [&call](std::string_view name) { return call.query(name); };
}

projections::DayRange range_of(const requests::DayWindow& w) {
  return {w.from_day, w.to_day};
}

std::string day_start(int64_t day) {
  return format_rfc3339(day * kDayUs);
}

json::object window_json(const requests::DayWindow& w) {
  return {{"from", day_start(w.from_day)}, {"to", day_start(w.to_day)}};
}

projections::PopularBy popular_by(requests::Ranking r) {
  switch (r) {
    case requests::Ranking::kRevenue:
      return projections::PopularBy::kRevenue;
    case requests::Ranking::kViews:
      return projections::PopularBy::kViews;
    case requests::Ranking::kUnits:
      break;
  }
  return projections::PopularBy::kUnits;
}

// GET /api/analytics/products/popular?from&to&limit&by=units|revenue|views
void popular_products(Context& ctx, const CallPtr& call) {
  auto q = requests::popular_query_from(params_of(*call), now_us());
  if (!q)
    return call->fail(q.status());
  const auto items = ctx.model<projections::StatsReadModel>("stats")->popular_products(
      range_of(q->window), popular_by(q->by), static_cast<size_t>(q->limit));
  json::object body = window_json(q->window);
  const std::string_view by = q->by == requests::Ranking::kRevenue ? "revenue"
                              : q->by == requests::Ranking::kViews ? "views"
                                                                   : "units";
  body["by"] = by;
  json::array out;
  for (const auto& p : items)
    out.push_back(popular_product_json(p));
  body["items"] = std::move(out);
  call->answer(json_response(200, body));
}

// GET /api/analytics/searches/trending?from&to&limit: ranked by the rise
// against the window of the same length just before.
void trending_searches(Context& ctx, const CallPtr& call) {
  auto q = requests::trending_query_from(params_of(*call), now_us());
  if (!q)
    return call->fail(q.status());
  const auto items = ctx.model<projections::StatsReadModel>("stats")->trending_searches(
      range_of(q->window), static_cast<size_t>(q->limit));
  json::object body = window_json(q->window);
  const int64_t length = q->window.to_day - q->window.from_day;
  body["previous_from"] = day_start(q->window.from_day - length);
  json::array out;
  for (const auto& s : items)
    out.push_back(trending_search_json(s));
  body["items"] = std::move(out);
  call->answer(json_response(200, body));
}

// GET /api/analytics/revenue?from&to&interval=day|week|month: every bucket
// of the window, empty ones included (a chart needs them), each labelled by
// its first day (weeks start on Monday, ISO 8601; months on the 1st). The
// first and last buckets count only the window's days.
void revenue(Context& ctx, const CallPtr& call) {
  auto q = requests::revenue_query_from(params_of(*call), now_us());
  if (!q)
    return call->fail(q.status());
  const auto days =
      ctx.model<projections::StatsReadModel>("stats")->revenue_days(range_of(q->window));
  struct Bucket {
    int64_t start = 0;
    projections::WideCents revenue = 0, refunds = 0;
    uint64_t orders = 0;
  };
  std::vector<Bucket> buckets;
  for (int64_t start = requests::bucket_start(q->window.from_day, q->interval);
       start < q->window.to_day; start = requests::next_bucket(start, q->interval)) {
    buckets.push_back({start});
  }
  size_t b = 0;
  projections::WideCents total = 0, refunds = 0;
  uint64_t orders = 0;
  for (const auto& d : days) {
    while (b + 1 < buckets.size() && buckets[b + 1].start <= d.day)
      ++b;
    buckets[b].revenue += d.revenue_cents;
    buckets[b].refunds += d.refunds_cents;
    buckets[b].orders += d.orders;
    total += d.revenue_cents;
    refunds += d.refunds_cents;
    orders += d.orders;
  }
  json::array out;
  for (const Bucket& k : buckets) {
    out.push_back(json::object{{"start", day_start(k.start)},
                               {"revenue_cents", projections::saturated(k.revenue)},
                               {"orders", k.orders},
                               {"refunds_cents", projections::saturated(k.refunds)}});
  }
  json::object body = window_json(q->window);
  body["interval"] = requests::interval_name(q->interval);
  body["currency"] = ctx.options.currency;
  body["buckets"] = std::move(out);
  body["total_cents"] = projections::saturated(total);
  body["refunds_cents"] = projections::saturated(refunds);
  body["orders"] = orders;
  call->answer(json_response(200, body));
}

}  // namespace

void add_analytics_routes(Context& ctx) {
  ctx.route("GET", "/api/analytics/products/popular", Access::kAdmin, popular_products);
  ctx.route("GET", "/api/analytics/searches/trending", Access::kAdmin, trending_searches);
  ctx.route("GET", "/api/analytics/revenue", Access::kAdmin, revenue);
}

}  // namespace orderly::api::rest::routes
