// What one customer may hold unpaid (order.h: HoldLimits): the pure rule and
// the writer's index of pending orders it decides against.
#include <doctest/doctest.h>

#include "commands/shop_state_snapshot.h"
#include "tests/commands/harness.h"
#include "tests/commands/state_diff.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

TEST_CASE("holds: the rule names the limit a new order would pass") {
  const Uuid cup = new_id(), pot = new_id();
  const HoldLimits limits{10, 3, 50'000};
  CHECK(check_hold_limits(nullptr, limits, {{cup, 10}}, 1000).is_ok());
  CHECK(check_hold_limits(nullptr, {}, {{cup, 1'000'000}}, 1'000'000'000).is_ok());  // all off

  const Status units = check_hold_limits(nullptr, limits, {{pot, 1}, {cup, 11}}, 1000);
  CHECK(units.code() == ErrorCode::kHoldLimitExceeded);
  CHECK(units.message().rfind("max_units_per_product", 0) == 0);
  REQUIRE(units.fields().size() == 1);
  CHECK(units.fields()[0].field == "items[1].quantity");

  CustomerHolds held;
  held.pending_orders = 2;
  held.pending_cents = 49'000;
  held.units[cup] = 8;
  CHECK(check_hold_limits(&held, limits, {{cup, 2}}, 1000).is_ok());
  CHECK(check_hold_limits(&held, limits, {{cup, 3}}, 1000)
            .message()
            .rfind("max_units_per_product", 0) == 0);
  CHECK(
      check_hold_limits(&held, limits, {{pot, 1}}, 1001).message().rfind("max_pending_cents", 0) ==
      0);
  held.pending_orders = 3;
  const Status orders = check_hold_limits(&held, limits, {{pot, 1}}, 1);
  CHECK(orders.code() == ErrorCode::kHoldLimitExceeded);
  CHECK(orders.message().rfind("max_pending_orders", 0) == 0);
}

TEST_CASE("holds: one customer cannot reserve the catalog, others still can, paying frees it") {
  Harness h;
  h.state.hold_limits = {5, 2, 1'000'000};
  const Uuid cup = h.product(100, 1000), pot = h.product(200, 1000);
  const Uuid mallory = new_id(), ada = new_id();
  Status st;
  const Uuid first = h.order(mallory, {{cup, 5}, {pot, 5}}, &st);
  REQUIRE(st.is_ok());
  h.order(mallory, {{cup, 1}}, &st);
  CHECK(st.code() == ErrorCode::kHoldLimitExceeded);
  CHECK(h.state.products.at(cup).reserved == 5);  // nothing more was reserved
  h.order(ada, {{cup, 5}}, &st);                  // another customer has her own allowance
  CHECK(st.is_ok());

  // Confirmed (paid): no longer held unpaid.
  REQUIRE(h.run(ChangeOrderStatus{first, OrderStatus::kConfirmed}, h.as_admin()).is_ok());
  const Uuid second = h.order(mallory, {{cup, 5}}, &st);
  CHECK(st.is_ok());
  const Uuid third = h.order(mallory, {{pot, 1}}, &st);
  CHECK(st.is_ok());
  h.order(mallory, {{pot, 1}}, &st);  // a third pending order
  CHECK(st.message().rfind("max_pending_orders", 0) == 0);
  // Cancelled or expired: released too.
  REQUIRE(h.run(CancelOrder{second}, h.as(mallory)).is_ok());
  h.now += 16 * 60 * 1'000'000LL;
  REQUIRE(h.run(ExpireOrder{third}, h.as_engine()).is_ok());
  CHECK(h.state.holds.count(mallory) == 0);
  h.order(mallory, {{cup, 5}}, &st);
  CHECK(st.is_ok());

  // Admins hold for themselves under the same limits.
  PlaceOrder by_admin;
  by_admin.order_id = new_id();
  by_admin.items = {{cup, 6}};
  CHECK(h.run(by_admin, h.as_admin()).code() == ErrorCode::kHoldLimitExceeded);
}

TEST_CASE("holds: checkout is held to the same limits as placing") {
  Harness h;
  h.state.hold_limits = {3, 0, 0};
  const Uuid cup = h.product(100, 1000);
  const Uuid user = new_id();
  REQUIRE(h.run(AddToCart{cup, 4}, h.as(user)).is_ok());
  Checkout checkout;
  checkout.order_id = new_id();
  const Status st = h.run(checkout, h.as(user));
  CHECK(st.code() == ErrorCode::kHoldLimitExceeded);
  CHECK(h.state.carts.at(user).lines.size() == 1);  // the cart stays as it was
}

TEST_CASE("holds: an order is worth at most kMaxOrderCents") {
  Harness h;
  const Uuid dear = h.product(kMaxPriceCents, 1000);
  Status st;
  h.order(new_id(), {{dear, kMaxOrderCents / kMaxPriceCents}}, &st);
  CHECK(st.is_ok());
  h.order(new_id(), {{dear, kMaxOrderCents / kMaxPriceCents + 1}}, &st);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK(st.fields().at(0).field == "items");
}

TEST_CASE("holds: the index is rebuilt from the orders after a snapshot") {
  Harness h;
  const Uuid cup = h.product(100, 1000);
  const Uuid user = new_id();
  const Uuid paid = h.order(user, {{cup, 2}});
  h.order(user, {{cup, 3}});
  REQUIRE(h.run(ChangeOrderStatus{paid, OrderStatus::kConfirmed}, h.as_admin()).is_ok());
  auto reloaded = snapshot_round_trip(h.state);
  REQUIRE(reloaded.is_ok());
  const ShopState& loaded = *reloaded;
  REQUIRE(loaded.holds.count(user) == 1);
  CHECK(loaded.holds.at(user).pending_orders == 1);
  CHECK(loaded.holds.at(user).pending_cents == 300);
  CHECK(loaded.holds.at(user).units.at(cup) == 3);
}
