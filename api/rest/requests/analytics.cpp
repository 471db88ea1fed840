#include "api/rest/requests/analytics.h"

#include <charconv>
#include <chrono>

#include "api/rest/requests/parsed.h"

namespace orderly::api::rest::requests {

namespace {

constexpr int64_t kDayUs = 86'400'000'000LL;

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

std::chrono::sys_days as_sys_days(int64_t day) {
  return std::chrono::sys_days(std::chrono::days(day));
}

}  // namespace

std::optional<TimestampUs> instant_from(std::string_view text) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    unsigned y = 0, m = 0, d = 0;  // unsigned: from_chars takes no sign
    auto num = [&](size_t at, size_t len, auto& out) {
      auto [p, ec] = std::from_chars(text.data() + at, text.data() + at + len, out);
      return ec == std::errc() && p == text.data() + at + len;
    };
    if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d))
      return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(y)),
                                          std::chrono::month(m), std::chrono::day(d)};
    if (!ymd.ok())
      return std::nullopt;
    return std::chrono::sys_days(ymd).time_since_epoch().count() * kDayUs;
  }
  return parse_rfc3339(text);
}

namespace {

constexpr std::string_view kInstantHelp =
    "must be an RFC 3339 date (2026-11-21) or date-time (2026-11-21T10:00:00Z)";

// ?from&to as whole days (see analytics.h), at most `max_days` long.
std::optional<DayWindow> window_from(const QueryParam& param, TimestampUs now, int64_t max_days,
                                     Fields& f) {
  std::optional<TimestampUs> from, to;
  if (auto text = param("from")) {
    if (!(from = instant_from(*text)))
      f.add("from", std::string(kInstantHelp));
  }
  if (auto text = param("to")) {
    if (!(to = instant_from(*text)))
      f.add("to", std::string(kInstantHelp));
  }
  if (!f.ok())
    return std::nullopt;
  DayWindow w;
  w.to_day = to ? floor_div(*to + kDayUs - 1, kDayUs) : floor_div(now, kDayUs) + 1;
  w.from_day = from ? floor_div(*from, kDayUs) : w.to_day - kDefaultWindowDays;
  if (from && to ? *to <= *from : w.to_day <= w.from_day) {
    f.add("to", "must be after from (the window is from `from` up to `to`)");
    return std::nullopt;
  }
  if (w.to_day - w.from_day > max_days) {
    f.add("from", "the window is at most " + std::to_string(max_days) +
                      " days long here; move from closer to to");
    return std::nullopt;
  }
  return w;
}

int64_t limit_from(const QueryParam& param, Fields& f) {
  auto text = param("limit");
  if (!text)
    return kDefaultLimit;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (text->empty() || ec != std::errc() || p != text->data() + text->size() || n < 1 ||
      n > kMaxLimit) {
    f.add("limit", "must be an integer from 1 to " + std::to_string(kMaxLimit));
  }
  return n;
}

// The parameters' errors are collected in a Fields over no body.
const boost::json::object& no_body() {
  static const boost::json::object empty;
  return empty;
}

}  // namespace

int64_t max_window_days(Interval interval) {
  switch (interval) {
    case Interval::kWeek:
      return 400 * 7;
    case Interval::kMonth:
      return 12'200;  // about 400 months
    case Interval::kDay:
      break;
  }
  return 400;
}

Result<PopularQuery> popular_query_from(const QueryParam& param, TimestampUs now) {
  Fields f(no_body());
  PopularQuery q;
  q.limit = limit_from(param, f);
  if (auto by = param("by")) {
    if (*by == "units")
      q.by = Ranking::kUnits;
    else if (*by == "revenue")
      q.by = Ranking::kRevenue;
    else if (*by == "views")
      q.by = Ranking::kViews;
    else
      f.add("by", "must be units, revenue or views");
  }
  auto w = window_from(param, now, kMaxRankingDays, f);
  if (!f.ok())
    return invalid_fields("the query parameters are not valid", f);
  q.window = *w;
  return q;
}

Result<TrendingQuery> trending_query_from(const QueryParam& param, TimestampUs now) {
  Fields f(no_body());
  TrendingQuery q;
  q.limit = limit_from(param, f);
  auto w = window_from(param, now, kMaxRankingDays, f);
  if (!f.ok())
    return invalid_fields("the query parameters are not valid", f);
  q.window = *w;
  return q;
}

Result<RevenueQuery> revenue_query_from(const QueryParam& param, TimestampUs now) {
  Fields f(no_body());
  RevenueQuery q;
  if (auto interval = param("interval")) {
    if (*interval == "day")
      q.interval = Interval::kDay;
    else if (*interval == "week")
      q.interval = Interval::kWeek;
    else if (*interval == "month")
      q.interval = Interval::kMonth;
    else
      f.add("interval", "must be day, week or month");
  }
  auto w = window_from(param, now, max_window_days(q.interval), f);
  if (!f.ok())
    return invalid_fields("the query parameters are not valid", f);
  q.window = *w;
  return q;
}

int64_t bucket_start(int64_t day, Interval interval) {
  switch (interval) {
    case Interval::kWeek: {
      // ISO weeks start on Monday: iso_encoding() is 1 (Monday) to 7 (Sunday).
      const unsigned iso = std::chrono::weekday(as_sys_days(day)).iso_encoding();
      return day - static_cast<int64_t>(iso - 1);
    }
    case Interval::kMonth: {
      const std::chrono::year_month_day ymd(as_sys_days(day));
      return std::chrono::sys_days(ymd.year() / ymd.month() / 1).time_since_epoch().count();
    }
    case Interval::kDay:
      break;
  }
  return day;
}

int64_t next_bucket(int64_t start, Interval interval) {
  switch (interval) {
    case Interval::kWeek:
      return start + 7;
    case Interval::kMonth: {
      const std::chrono::year_month_day ymd(as_sys_days(start));
      const auto next = ymd.year() / ymd.month() / 1 + std::chrono::months(1);
      return std::chrono::sys_days(next).time_since_epoch().count();
    }
    case Interval::kDay:
      break;
  }
  return start + 1;
}

std::string_view interval_name(Interval interval) {
  switch (interval) {
    case Interval::kWeek:
      return "week";
    case Interval::kMonth:
      return "month";
    case Interval::kDay:
      break;
  }
  return "day";
}

}  // namespace orderly::api::rest::requests
