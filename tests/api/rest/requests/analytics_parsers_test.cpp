// The analytics endpoints' query strings (api/rest/requests/analytics.h):
// windows of whole UTC days with their defaults and bounds, the rankings and
// intervals, and the buckets a revenue chart is cut into.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "api/rest/requests/analytics.h"

using namespace orderly;
using namespace orderly::api::rest::requests;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kDayUs = 86'400'000'000LL;

int64_t day_of(std::chrono::year_month_day ymd) {
  return std::chrono::sys_days(ymd).time_since_epoch().count();
}

// The parameters of a query string, as Call::query gives them.
QueryParam params(std::map<std::string, std::string> m) {
  return [m = std::move(m)](std::string_view name) -> std::optional<std::string> {
    auto it = m.find(std::string(name));
    return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

std::vector<std::string> fields_of(const Status& st) {
  std::vector<std::string> out;
  for (const auto& f : st.fields())
    out.push_back(f.field);
  return out;
}

// 2026-12-07T15:30:00Z: the caller's clock in these tests.
const TimestampUs kNow = day_of(2026y / 12 / 7) * kDayUs + 15 * 3'600'000'000LL + 1'800'000'000LL;

}  // namespace

TEST_CASE("analytics queries: the default window is the 30 days up to the end of today") {
  auto q = revenue_query_from(params({}), kNow);
  REQUIRE(q);
  CHECK(q->window.to_day == day_of(2026y / 12 / 8));
  CHECK(q->window.from_day == day_of(2026y / 12 / 8) - 30);
  CHECK(q->interval == Interval::kDay);
  auto p = popular_query_from(params({}), kNow);
  REQUIRE(p);
  CHECK(p->limit == kDefaultLimit);
  CHECK(p->by == Ranking::kUnits);
  // Only `to`: the 30 days before it; only `from`: up to the end of today.
  auto before = trending_query_from(params({{"to", "2026-11-01"}}), kNow);
  REQUIRE(before);
  CHECK(before->window.to_day == day_of(2026y / 11 / 1));
  CHECK(before->window.from_day == day_of(2026y / 11 / 1) - 30);
  auto since = trending_query_from(params({{"from", "2026-12-01"}}), kNow);
  REQUIRE(since);
  CHECK(since->window.from_day == day_of(2026y / 12 / 1));
  CHECK(since->window.to_day == day_of(2026y / 12 / 8));
}

TEST_CASE("analytics queries: dates and date-times become whole UTC days") {
  auto dates = revenue_query_from(params({{"from", "2026-11-01"}, {"to", "2026-12-01"}}), kNow);
  REQUIRE(dates);
  CHECK(dates->window.from_day == day_of(2026y / 11 / 1));
  CHECK(dates->window.to_day == day_of(2026y / 12 / 1));  // `to` itself is not in the window
  // A date-time: `from` down to its day, `to` up to the next midnight, in UTC
  // (23:30 at -02:00 is the next day's 01:30 UTC).
  auto times = revenue_query_from(
      params({{"from", "2026-11-01T10:00:00Z"}, {"to", "2026-11-02T23:30:00-02:00"}}), kNow);
  REQUIRE(times);
  CHECK(times->window.from_day == day_of(2026y / 11 / 1));
  CHECK(times->window.to_day == day_of(2026y / 11 / 4));
  // One hour of one day is that whole day.
  auto hour = revenue_query_from(
      params({{"from", "2026-11-01T10:00:00Z"}, {"to", "2026-11-01T11:00:00Z"}}), kNow);
  REQUIRE(hour);
  CHECK(hour->window.to_day - hour->window.from_day == 1);
}

TEST_CASE("analytics queries: bad windows are 422 naming the parameter") {
  for (const char* bad : {"yesterday", "2026-13-01", "2026-02-30", "2026-1-01", "", "1700000000",
                          "2026-11-01T25:00:00Z"}) {
    CAPTURE(bad);
    auto q = revenue_query_from(params({{"from", bad}}), kNow);
    REQUIRE(!q);
    CHECK(q.status().code() == ErrorCode::kInvalidArgument);
    CHECK(fields_of(q.status()) == std::vector<std::string>{"from"});
  }
  auto backwards = revenue_query_from(params({{"from", "2026-11-02"}, {"to", "2026-11-01"}}), kNow);
  REQUIRE(!backwards);
  CHECK(fields_of(backwards.status()) == std::vector<std::string>{"to"});
  auto empty = revenue_query_from(params({{"from", "2026-11-02"}, {"to", "2026-11-02"}}), kNow);
  REQUIRE(!empty);
  CHECK(fields_of(empty.status()) == std::vector<std::string>{"to"});
  auto future = revenue_query_from(params({{"from", "2027-01-01"}}), kNow);  // after today's end
  REQUIRE(!future);
  // Bounded: 400 days of day buckets, about 400 weeks or months.
  CHECK(revenue_query_from(params({{"from", "2025-01-01"}, {"to", "2026-02-05"}}), kNow));
  auto long_days = revenue_query_from(params({{"from", "2025-01-01"}, {"to", "2026-02-06"}}), kNow);
  REQUIRE(!long_days);
  CHECK(fields_of(long_days.status()) == std::vector<std::string>{"from"});
  CHECK(revenue_query_from(
      params({{"from", "2020-01-01"}, {"to", "2026-01-01"}, {"interval", "week"}}), kNow));
  CHECK(revenue_query_from(
      params({{"from", "2000-01-01"}, {"to", "2026-01-01"}, {"interval", "month"}}), kNow));
  CHECK(!revenue_query_from(
      params({{"from", "1900-01-01"}, {"to", "2026-01-01"}, {"interval", "month"}}), kNow));
  CHECK(!popular_query_from(params({{"from", "2024-01-01"}, {"to", "2026-01-01"}}), kNow));
}

TEST_CASE("analytics queries: limit, by and interval, every wrong one named at once") {
  auto p = popular_query_from(params({{"limit", "25"}, {"by", "revenue"}}), kNow);
  REQUIRE(p);
  CHECK(p->limit == 25);
  CHECK(p->by == Ranking::kRevenue);
  CHECK(popular_query_from(params({{"by", "views"}}), kNow)->by == Ranking::kViews);
  for (const char* bad : {"0", "101", "-1", "ten", "", "5x"}) {
    CAPTURE(bad);
    auto q = trending_query_from(params({{"limit", bad}}), kNow);
    REQUIRE(!q);
    CHECK(fields_of(q.status()) == std::vector<std::string>{"limit"});
  }
  auto all = popular_query_from(params({{"limit", "0"}, {"by", "likes"}, {"from", "soon"}}), kNow);
  REQUIRE(!all);
  CHECK(fields_of(all.status()) == std::vector<std::string>{"limit", "by", "from"});
  auto interval = revenue_query_from(params({{"interval", "year"}}), kNow);
  REQUIRE(!interval);
  CHECK(fields_of(interval.status()) == std::vector<std::string>{"interval"});
  CHECK(revenue_query_from(params({{"interval", "month"}}), kNow)->interval == Interval::kMonth);
}

TEST_CASE("analytics queries: weeks start on Monday, months on the 1st") {
  const int64_t thu = day_of(2026y / 1 / 1);  // a Thursday
  CHECK(bucket_start(thu, Interval::kDay) == thu);
  CHECK(bucket_start(thu, Interval::kWeek) == day_of(2025y / 12 / 29));  // Monday
  CHECK(bucket_start(day_of(2025y / 12 / 29), Interval::kWeek) == day_of(2025y / 12 / 29));
  CHECK(bucket_start(day_of(2026y / 1 / 4), Interval::kWeek) == day_of(2025y / 12 / 29));  // Sunday
  CHECK(next_bucket(day_of(2025y / 12 / 29), Interval::kWeek) == day_of(2026y / 1 / 5));
  CHECK(bucket_start(day_of(2026y / 2 / 28), Interval::kMonth) == day_of(2026y / 2 / 1));
  CHECK(next_bucket(day_of(2026y / 2 / 1), Interval::kMonth) == day_of(2026y / 3 / 1));
  CHECK(next_bucket(day_of(2026y / 12 / 1), Interval::kMonth) == day_of(2027y / 1 / 1));
  CHECK(interval_name(Interval::kWeek) == "week");
}
