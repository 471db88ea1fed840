// The analytics windows of the stats read model (GET /api/analytics/...):
// orders placed, paid, refunded and cancelled, views and searches recorded,
// each on a chosen UTC day through the real writer on a test clock.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>

#include "commands/processor.h"
#include "projections/runner.h"
#include "projections/stats.h"
#include "tests/projections/folding.h"
#include "tests/support/ids.h"
#include "tests/support/live_writer.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

namespace {

using namespace std::chrono_literals;

int64_t day_number(std::chrono::year_month_day ymd) {
  return std::chrono::sys_days(ymd).time_since_epoch().count();
}

// A writer whose clock the test sets: every event it appends (and every
// order's placed_at) is at that time.
struct DayWriter {
  TempDir dir;
  std::unique_ptr<eventstore::EventStore> store =
      std::move(eventstore::EventStore::open(dir.sub("data")).value());
  std::atomic<TimestampUs> clock{0};
  std::unique_ptr<CommandProcessor> writer = [this] {
    ProcessorOptions o;
    o.clock = [this] { return clock.load(); };
    return std::move(CommandProcessor::start(*store, std::move(o)).value());
  }();

  // Noon of `day`: the events of a step land on that day.
  void on(int64_t day) { clock = day * 86'400'000'000LL + 43'200'000'000LL; }
  void run(Command c, const CommandMeta& m) { REQUIRE(writer->execute(std::move(c), m).is_ok()); }
};

}  // namespace

TEST_CASE_FIXTURE(DayWriter,
                  "stats windows: popular products, trending searches and revenue by day") {
  const int64_t mon = day_number(2026y / 11 / 2), wed = day_number(2026y / 11 / 4),
                next_tue = day_number(2026y / 11 / 10);
  const CommandMeta admin = meta_for(Role::kAdmin), engine = meta_for(Role::kEngine);
  CommandMeta ada;
  ada.actor = test_id(500);
  const Uuid cup = test_id(1), pot = test_id(2);
  const Uuid o1 = test_id(100), o2 = test_id(101), o3 = test_id(102), o4 = test_id(103);
  const int64_t a_year = 365LL * 86'400'000'000LL;  // no reservation expires in the test

  on(mon);
  run(CreateProduct{cup, "SKU-1", "Cup", "", "kitchen", "USD", 1000, 100}, admin);
  run(CreateProduct{pot, "SKU-2", "Pot", "", "kitchen", "USD", 3000, 100}, admin);
  run(PlaceOrder{o1, {{cup, 3}}, "", a_year}, ada);  // 3000, confirmed
  run(ChangeOrderStatus{o1, OrderStatus::kConfirmed}, admin);
  run(PlaceOrder{o2, {{pot, 1}}, "", a_year}, ada);  // stays pending: no revenue
  run(RecordAnalytics{test_id(900), {{cup, 5}}, {{"mug", 3}, {"pot", 1}}}, engine);

  on(wed);
  run(PlaceOrder{o3, {{pot, 2}}, "", a_year}, ada);  // 6000, paid, 1000 refunded next week
  run(CreatePayment{test_id(300), o3}, ada);
  run(ConfirmPayment{test_id(300), "pm_card_ok"}, ada);

  on(next_tue);
  run(RefundPayment{test_id(300), 1000}, admin);     // counts on the order's day, Wednesday
  run(PlaceOrder{o4, {{cup, 1}}, "", a_year}, ada);  // confirmed, then cancelled: no revenue
  run(ChangeOrderStatus{o4, OrderStatus::kConfirmed}, admin);
  run(CancelOrder{o4}, admin);
  run(RecordAnalytics{test_id(901), {{pot, 2}}, {{"pot", 4}, {"kettle", 2}, {"mug", 1}}}, engine);

  auto rows = std::move(ReadModelStore::open(dir.sub("data/readmodels")).value());
  StatsReadModel stats;
  run_to_end(*store, *rows, stats);

  auto check = [&](const StatsReadModel& model) {
    const DayRange two_weeks{mon, mon + 14};
    const auto by_units = model.popular_products(two_weeks, PopularBy::kUnits, 10);
    REQUIRE(by_units.size() == 2);
    CHECK(by_units[0].name == "Cup");
    CHECK(by_units[0].units == 3);  // o4 was cancelled
    CHECK(by_units[0].revenue_cents == 3000);
    CHECK(by_units[0].views == 5);
    CHECK(by_units[1].name == "Pot");
    CHECK(by_units[1].units == 2);  // o2 never paid
    CHECK(by_units[1].revenue_cents == 6000);
    CHECK(by_units[1].views == 2);
    const auto by_revenue = model.popular_products(two_weeks, PopularBy::kRevenue, 10);
    REQUIRE(by_revenue.size() == 2);
    CHECK(by_revenue[0].name == "Pot");
    CHECK(model.popular_products(two_weeks, PopularBy::kRevenue, 1).size() == 1);
    // Only Wednesday: the pot's sale, no views, no cup.
    const auto wednesday = model.popular_products({wed, wed + 1}, PopularBy::kUnits, 10);
    REQUIRE(wednesday.size() == 1);
    CHECK(wednesday[0].product_id == pot.to_string());
    CHECK(wednesday[0].views == 0);
    // Ranked by views, the second week has only the pot.
    const auto viewed = model.popular_products({mon + 7, mon + 14}, PopularBy::kViews, 10);
    REQUIRE(viewed.size() == 1);
    CHECK(viewed[0].name == "Pot");
    CHECK(viewed[0].units == 0);

    // The week from Sunday the 8th against the week before it.
    const auto trending = model.trending_searches({mon + 6, mon + 13}, 10);
    REQUIRE(trending.size() == 3);
    CHECK(trending[0].query == "pot");  // 1 -> 4
    CHECK(trending[0].count == 4);
    CHECK(trending[0].previous_count == 1);
    CHECK(trending[1].query == "kettle");  // 0 -> 2
    CHECK(trending[1].previous_count == 0);
    CHECK(trending[2].query == "mug");  // 3 -> 1: falling, last
    CHECK(trending[2].previous_count == 3);
    CHECK(model.trending_searches({mon - 30, mon}, 10).empty());

    const auto days = model.revenue_days({mon, mon + 14});
    REQUIRE(days.size() == 3);
    CHECK(days[0].day == mon);
    CHECK(days[0].revenue_cents == 3000);
    CHECK(days[0].orders == 2);
    CHECK(days[1].day == wed);
    CHECK(days[1].revenue_cents == 5000);  // net of the refund
    CHECK(days[1].refunds_cents == 1000);
    CHECK(days[1].orders == 1);
    CHECK(days[2].day == next_tue);
    CHECK(days[2].revenue_cents == 0);  // confirmed, then cancelled
    CHECK(days[2].orders == 1);
    CHECK(model.revenue_days({wed + 1, next_tue}).empty());
  };
  check(stats);
  // The same answers after a restart from the saved snapshot.
  StatsReadModel reloaded;
  ProjectionRunner again(*store, *rows, {&reloaded});
  REQUIRE(again.start().is_ok());
  check(reloaded);
  // And from a snapshot taken by hand, and loaded into a new model.
  check(*through_snapshot(stats));
}
