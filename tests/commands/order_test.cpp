#include <doctest/doctest.h>

#include "core/schemas/order_events_generated.h"
#include "tests/commands/harness.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

TEST_CASE("order: placing reserves every line, snapshots names and prices, totals in cents") {
  Harness h;
  const Uuid cup = h.product(1299, 10, "Cup"), pot = h.product(4500, 2, "Pot");
  const Uuid user = new_id();
  Status st;
  const Uuid o = h.order(user, {{cup, 3}, {pot, 2}}, &st);
  REQUIRE(st.is_ok());
  REQUIRE(h.emitted() == 1);  // one event: the order carries its reservation
  const auto* placed = h.sink.table<events::OrderPlaced>(h.first_event);
  CHECK(placed->total_cents() == 3 * 1299 + 2 * 4500);
  CHECK(placed->lines()->Get(0)->name()->str() == "Cup");
  CHECK(placed->lines()->Get(1)->unit_price_cents() == 4500);
  CHECK(placed->lines()->Get(1)->line_total_cents() == 9000);
  CHECK(placed->reservation_expires_at_us() == h.now + 15 * 60 * 1000000LL);
  CHECK(h.state.orders.at(o).status == OrderStatus::kPending);
  CHECK(h.state.products.at(cup).reserved == 3);
  CHECK(h.state.products.at(pot).available() == 0);

  // A later price change does not touch the placed order's snapshot.
  UpdateProduct u;
  u.product_id = cup;
  u.price_cents = 1;
  REQUIRE(h.run(u, h.as_admin()).is_ok());
  CHECK(h.state.orders.at(o).total_cents == 3 * 1299 + 2 * 4500);
}

TEST_CASE("order: all lines or none, each short line named") {
  Harness h;
  const Uuid a = h.product(100, 5), b = h.product(100, 1), c = h.product(100, 0);
  Status st;
  h.order(new_id(), {{a, 5}, {b, 2}, {c, 1}}, &st);
  CHECK(st.code() == ErrorCode::kInsufficientStock);
  REQUIRE(st.fields().size() == 2);
  CHECK(st.fields()[0].field == "items[1].quantity");
  CHECK(st.fields()[0].message == "asked for 2, only 1 available");
  CHECK(st.fields()[1].field == "items[2].quantity");
  CHECK(h.state.products.at(a).reserved == 0);  // nothing was reserved
  CHECK(h.state.orders.empty());
}

TEST_CASE("order: bad lines are validation errors naming the field") {
  Harness h;
  const Uuid a = h.product(100, 5);
  Status st;
  h.order(new_id(), {}, &st);
  CHECK(st.fields().at(0).field == "items");
  h.order(new_id(), {{a, 0}}, &st);
  CHECK(st.fields().at(0).field == "items[0].quantity");
  h.order(new_id(), {{a, 1}, {a, 2}}, &st);
  CHECK(st.fields().at(0).field == "items[1].product_id");
  h.order(new_id(), {{new_id(), 1}}, &st);
  CHECK(st.fields().at(0).field == "items[0].product_id");
  h.order(Uuid{}, {{a, 1}}, &st);
  CHECK(st.code() == ErrorCode::kUnauthorized);
}

TEST_CASE("order: the largest possible order has an exact integer total") {
  // Lines could reach 100 lines x 1e4 units x 1e11 cents = 1e17 < 2^63, so
  // no total overflows; since issue 19 an order is worth at most
  // kMaxOrderCents (so sums across orders stay far from int64's end too).
  Harness h;
  std::vector<OrderItem> items;
  for (size_t i = 0; i < kMaxOrderLines; ++i)
    items.push_back({h.product(kMaxPriceCents / 100, kMaxStock), 1});
  Status st;
  const Uuid o = h.order(new_id(), items, &st);
  REQUIRE(st.is_ok());
  CHECK(h.state.orders.at(o).total_cents == kMaxOrderCents / 10);
  items.back().quantity = kMaxLineQuantity;  // one line past the cap
  h.order(new_id(), items, &st);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK(st.fields().at(0).field == "items");
  std::vector<OrderItem> huge;
  for (size_t i = 0; i < kMaxOrderLines; ++i)
    huge.push_back({h.product(kMaxPriceCents, kMaxStock), kMaxLineQuantity});
  h.order(new_id(), huge, &st);  // 1e17: the attack of issue 19
  CHECK(st.fields().at(0).field == "items");
  huge.push_back({h.product(1, 1), 1});
  h.order(new_id(), huge, &st);
  CHECK(st.fields().at(0).field == "items");  // 101 lines
}

TEST_CASE("order: only the contract's moves, invalid_transition names from and to") {
  Harness h;
  const Uuid p = h.product(100, 10);
  const Uuid user = new_id();
  const Uuid o = h.order(user, {{p, 2}});
  CHECK(h.run(ChangeOrderStatus{o, OrderStatus::kShipped}, h.as_admin()).message() ==
        "an order cannot move from pending to shipped");
  CHECK(h.run(ChangeOrderStatus{o, OrderStatus::kConfirmed}, h.as(user)).code() ==
        ErrorCode::kForbidden);
  REQUIRE(h.run(ChangeOrderStatus{o, OrderStatus::kConfirmed}, h.as_admin()).is_ok());
  CHECK(h.state.products.at(p).stock == 8);  // the reservation became a sale
  CHECK(h.state.products.at(p).reserved == 0);
  REQUIRE(h.run(ChangeOrderStatus{o, OrderStatus::kShipped}, h.as_admin()).is_ok());
  const Status late = h.run(CancelOrder{o}, h.as(user));
  CHECK(late.code() == ErrorCode::kInvalidTransition);
  CHECK(late.message() == "an order cannot move from shipped to cancelled");
  REQUIRE(h.run(ChangeOrderStatus{o, OrderStatus::kDelivered}, h.as_admin()).is_ok());
  CHECK(h.run(ChangeOrderStatus{o, OrderStatus::kPending}, h.as_admin()).code() ==
        ErrorCode::kInvalidTransition);
  CHECK(h.state.orders.at(o).version == 4);
}

TEST_CASE("order: cancelling releases a reservation, or restocks a confirmed order") {
  Harness h;
  const Uuid p = h.product(100, 10);
  const Uuid user = new_id();
  const Uuid pending = h.order(user, {{p, 3}});
  const Uuid confirmed = h.order(user, {{p, 4}});
  REQUIRE(h.run(ChangeOrderStatus{confirmed, OrderStatus::kConfirmed}, h.as_admin()).is_ok());
  CHECK(h.state.products.at(p).stock == 6);
  CHECK(h.state.products.at(p).reserved == 3);
  REQUIRE(h.run(CancelOrder{pending}, h.as(user)).is_ok());
  CHECK(h.state.products.at(p).reserved == 0);
  REQUIRE(h.run(CancelOrder{confirmed, "changed my mind"}, h.as(user)).is_ok());
  CHECK(h.state.products.at(p).stock == 10);
  CHECK(h.run(CancelOrder{confirmed}, h.as(user)).code() == ErrorCode::kInvalidTransition);
}

TEST_CASE("order: strangers get not_found, admins may act") {
  Harness h;
  const Uuid p = h.product(100, 10);
  const Uuid owner = new_id(), stranger = new_id();
  const Uuid o = h.order(owner, {{p, 1}});
  CHECK(h.run(CancelOrder{o}, h.as(stranger)).code() == ErrorCode::kNotFound);
  // The admin status endpoint tells a stranger no more than a made-up id does.
  CHECK(h.run(ChangeOrderStatus{o, OrderStatus::kConfirmed}, h.as(stranger)).code() ==
        ErrorCode::kNotFound);
  CHECK(h.run(ChangeOrderStatus{o, OrderStatus::kConfirmed}, h.as(owner)).code() ==
        ErrorCode::kForbidden);
  CHECK(h.run(CancelOrder{o}, h.as_admin()).is_ok());
}

TEST_CASE("order: the engine expires a pending order after its time-to-live") {
  Harness h;
  const Uuid p = h.product(100, 10);
  const Uuid o = h.order(new_id(), {{p, 4}});
  CHECK_FALSE(next_expired_order(h.state, h.now + 60 * 1000000LL).has_value());
  CHECK(h.run(ExpireOrder{o}, h.as_engine()).code() == ErrorCode::kInvalidArgument);  // not yet
  CHECK(h.run(ExpireOrder{o}, h.as_admin()).code() == ErrorCode::kForbidden);
  h.now += 15 * 60 * 1000000LL;
  auto due = next_expired_order(h.state, h.now);
  REQUIRE(due.has_value());
  CHECK(*due == o);
  REQUIRE(h.run(ExpireOrder{o}, h.as_engine()).is_ok());
  CHECK(h.state.orders.at(o).status == OrderStatus::kCancelled);
  CHECK(h.state.products.at(p).reserved == 0);
  const auto* cancelled = h.sink.table<events::OrderCancelled>(h.first_event);
  CHECK(cancelled->reason()->str() == "reservation_expired");
  CHECK_FALSE(next_expired_order(h.state, h.now).has_value());
}

TEST_CASE("order: a confirmed order is never expired") {
  Harness h;
  const Uuid p = h.product(100, 10);
  const Uuid o = h.order(new_id(), {{p, 1}});
  REQUIRE(h.run(ChangeOrderStatus{o, OrderStatus::kConfirmed}, h.as_admin()).is_ok());
  h.now += 3600 * 1000000LL;
  CHECK_FALSE(next_expired_order(h.state, h.now).has_value());
  CHECK(h.run(ExpireOrder{o}, h.as_engine()).code() == ErrorCode::kInvalidTransition);
}
