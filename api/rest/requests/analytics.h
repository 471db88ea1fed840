// The query strings of the analytics endpoints (api/rest/routes/analytics.cpp)
// to windows of whole UTC days: pure functions of the parameters and the
// caller's clock, shared by the handlers and the unit tests. Errors:
// invalid_argument naming every wrong parameter (422 validation_failed).
//
// `from` and `to` are RFC 3339 full dates ("2026-11-21", midnight UTC) or
// date-times ("2026-11-21T10:00:00Z", any offset). The statistics are kept
// per UTC day, so the window is whole days: from `from`'s day up to, not
// including, `to` rounded up to the next midnight. Defaults: `to` is the
// end of today, `from` 30 days before `to`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace orderly::api::rest::requests {

// A query parameter by name, percent-decoded; nullopt when absent.
using QueryParam = std::function<std::optional<std::string>(std::string_view)>;

// Whole UTC days since 1970-01-01: `from_day` included, `to_day` not.
struct DayWindow {
  int64_t from_day = 0, to_day = 0;
};
enum class Ranking { kUnits, kRevenue, kViews };
enum class Interval { kDay, kWeek, kMonth };

inline constexpr int64_t kDefaultWindowDays = 30;
inline constexpr int64_t kMaxRankingDays = 400;  // popular, trending
inline constexpr int64_t kDefaultLimit = 10, kMaxLimit = 100;
// The longest window per interval: at most about 400 buckets a chart.
int64_t max_window_days(Interval interval);

struct PopularQuery {
  DayWindow window;
  int64_t limit = kDefaultLimit;
  Ranking by = Ranking::kUnits;
};
struct TrendingQuery {
  DayWindow window;
  int64_t limit = kDefaultLimit;
};
struct RevenueQuery {
  DayWindow window;
  Interval interval = Interval::kDay;
};

// GET /api/analytics/products/popular?from&to&limit&by=units|revenue|views
Result<PopularQuery> popular_query_from(const QueryParam& param, TimestampUs now);
// GET /api/analytics/searches/trending?from&to&limit
Result<TrendingQuery> trending_query_from(const QueryParam& param, TimestampUs now);
// GET /api/analytics/revenue?from&to&interval=day|week|month
Result<RevenueQuery> revenue_query_from(const QueryParam& param, TimestampUs now);

// "2026-11-21" (midnight UTC) or an RFC 3339 date-time ("...T10:00:00Z",
// any offset); nullopt for anything else. GET /api/payments's from/to too.
std::optional<TimestampUs> instant_from(std::string_view text);

// The first day of the bucket `day` falls in: itself, its ISO week's Monday,
// or the first of its month.
int64_t bucket_start(int64_t day, Interval interval);
// The first day of the bucket after the one starting at `start`.
int64_t next_bucket(int64_t start, Interval interval);
std::string_view interval_name(Interval interval);

}  // namespace orderly::api::rest::requests
