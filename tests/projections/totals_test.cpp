// Sums of money across orders never overflow (issue 19): a log from before
// the order value cap may hold orders of 1e17 cents, and 95 of them pass
// int64. The dashboard and a customer's total_spent_cents saturate instead
// of turning negative, and stay exact underneath (cancelling brings them
// back).
#include <doctest/doctest.h>

#include <limits>

#include "core/schemas/order_events_generated.h"
#include "eventstore/store.h"
#include "projections/orders.h"
#include "projections/stats.h"
#include "tests/projections/folding.h"
#include "tests/support/append_raw.h"
#include "tests/support/ids.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::projections;
using namespace orderly::testing;

namespace {

constexpr int64_t kHuge = 100'000'000'000'000'000;  // 100 lines x 1e4 units x 1e11 cents
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

}  // namespace

TEST_CASE(
    "totals: 95 orders of 1e17 cents saturate the dashboard and total_spent, never negative") {
  TempDir dir;
  auto store = std::move(eventstore::EventStore::open(dir.sub("data")).value());
  const Uuid user = test_id(1), product = test_id(2);
  std::vector<Uuid> orders;
  for (int i = 0; i < 95; ++i) {
    const Uuid id = test_id(100 + i);
    orders.push_back(id);
    const std::string stream = "order-" + id.to_string();
    append_raw(*store, stream, EventType::kOrderPlaced, [&](flatbuffers::FlatBufferBuilder& b) {
      std::vector<flatbuffers::Offset<events::OrderLine>> lines = {events::CreateOrderLineDirect(
          b, product.to_string().c_str(), "Gold", kHuge / 10'000, 10'000, kHuge)};
      return events::CreateOrderPlacedDirect(b, id.to_string().c_str(), user.to_string().c_str(),
                                             &lines, kHuge, "USD", nullptr, 0, 1795255200000000);
    });
    append_raw(*store, stream, EventType::kOrderConfirmed, [&](flatbuffers::FlatBufferBuilder& b) {
      return events::CreateOrderConfirmedDirect(b, id.to_string().c_str());
    });
  }
  StatsReadModel stats;
  OrdersReadModel by_order;
  auto fold = [&](uint64_t from) {
    eventstore::LogQuery q;
    q.from_position = from;
    apply_log(*store, {&stats, &by_order}, q);
  };
  fold(1);
  Dashboard d = stats.dashboard();
  CHECK(d.revenue_cents == kMax);
  REQUIRE(d.revenue_by_day.size() == 1);
  CHECK(d.revenue_by_day[0].revenue_cents == kMax);
  REQUIRE(d.top_products.size() == 1);
  CHECK(d.top_products[0].revenue_cents == kMax);
  REQUIRE(d.top_categories.size() == 1);
  CHECK(d.top_categories[0].revenue_cents == kMax);
  CHECK(d.average_order_cents == kHuge);  // exact: the sum is not clipped before dividing
  CHECK(by_order.stats(user.to_string()).total_spent_cents == kMax);

  // The snapshot keeps the exact sums.
  const auto loaded = through_snapshot(stats);
  CHECK(loaded->rows() == stats.rows());

  // Exact underneath: cancelling all but one leaves exactly one order's worth.
  const uint64_t next = store->last_position() + 1;
  for (size_t i = 1; i < orders.size(); ++i) {
    append_raw(*store, "order-" + orders[i].to_string(), EventType::kOrderCancelled,
               [&](flatbuffers::FlatBufferBuilder& b) {
                 return events::CreateOrderCancelledDirect(b, orders[i].to_string().c_str(),
                                                           "admin");
               });
  }
  fold(next);
  d = stats.dashboard();
  CHECK(d.revenue_cents == kHuge);
  CHECK(d.revenue_by_day[0].revenue_cents == kHuge);
  CHECK(by_order.stats(user.to_string()).total_spent_cents == kHuge);
}
