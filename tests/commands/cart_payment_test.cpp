#include <doctest/doctest.h>

#include "tests/commands/harness.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

TEST_CASE("cart: add merges, set and remove, clear, checkout places the order and empties it") {
  Harness h;
  const Uuid cup = h.product(1000, 10), pot = h.product(2500, 3);
  const Uuid user = new_id();
  REQUIRE(h.run(AddToCart{cup, 2}, h.as(user)).is_ok());
  REQUIRE(h.run(AddToCart{cup, 1}, h.as(user)).is_ok());
  REQUIRE(h.run(AddToCart{pot, 1}, h.as(user)).is_ok());
  CHECK(h.state.carts.at(user).lines.size() == 2);
  CHECK(h.state.carts.at(user).lines[0].quantity == 3);
  REQUIRE(h.run(SetCartQuantity{pot, 2}, h.as(user)).is_ok());
  CHECK(h.run(SetCartQuantity{new_id(), 2}, h.as(user)).code() == ErrorCode::kNotFound);
  CHECK(h.run(AddToCart{cup, 0}, h.as(user)).fields().at(0).field == "quantity");
  CHECK(h.run(AddToCart{new_id(), 1}, h.as(user)).fields().at(0).field == "product_id");

  Checkout c;
  c.order_id = new_id();
  REQUIRE(h.run(c, h.as(user)).is_ok());
  CHECK(h.emitted() == 2);  // OrderPlaced + CartCheckedOut, committed together
  CHECK(h.type(0) == EventType::kOrderPlaced);
  CHECK(h.state.carts.at(user).lines.empty());
  CHECK(h.state.orders.at(c.order_id).total_cents == 3 * 1000 + 2 * 2500);
  CHECK(h.state.products.at(pot).available() == 1);
  c.order_id = new_id();
  CHECK(h.run(c, h.as(user)).fields().at(0).field == "cart");  // empty now

  REQUIRE(h.run(AddToCart{cup, 1}, h.as(user)).is_ok());
  REQUIRE(h.run(SetCartQuantity{cup, 0}, h.as(user)).is_ok());  // 0 removes
  CHECK(h.state.carts.at(user).lines.empty());
  REQUIRE(h.run(ClearCart{}, h.as(user)).is_ok());
  CHECK(h.emitted() == 0);  // nothing to clear, nothing recorded
}

TEST_CASE("cart: checkout with a short line reserves nothing and keeps the cart") {
  Harness h;
  const Uuid pot = h.product(2500, 2);
  const Uuid user = new_id();
  // More than available is refused when added, naming the line.
  Status too_many = h.run(AddToCart{pot, 3}, h.as(user));
  CHECK(too_many.code() == ErrorCode::kInsufficientStock);
  REQUIRE(too_many.fields().size() == 1);
  CHECK(too_many.fields()[0].field == "quantity");
  REQUIRE(h.run(AddToCart{pot, 2}, h.as(user)).is_ok());
  // Stock moves before checkout: the order still decides.
  REQUIRE(h.run(AdjustStock{pot, -1}, h.as_admin()).is_ok());
  Checkout c;
  c.order_id = new_id();
  CHECK(h.run(c, h.as(user)).code() == ErrorCode::kInsufficientStock);
  CHECK(h.state.carts.at(user).lines.size() == 1);
  CHECK(h.state.products.at(pot).reserved == 0);
}

TEST_CASE("cart: a line keeps its price, checkout after a change is refused once, then goes") {
  Harness h;
  const Uuid cup = h.product(1000, 10);
  const Uuid user = new_id();
  REQUIRE(h.run(AddToCart{cup, 2}, h.as(user)).is_ok());
  CHECK(h.state.carts.at(user).lines[0].unit_price_cents == 1000);
  UpdateProduct price;
  price.product_id = cup;
  price.price_cents = 1500;
  REQUIRE(h.run(price, h.as_admin()).is_ok());
  CHECK(h.state.carts.at(user).lines[0].unit_price_cents == 1000);
  Checkout c;
  c.order_id = new_id();
  Status refused = h.run(c, h.as(user));
  CHECK(refused.code() == ErrorCode::kPriceChanged);
  REQUIRE(refused.fields().size() == 1);
  CHECK(refused.fields()[0].field == "items[0].unit_price_cents");
  // The refusal is recorded: the cart takes the new price; nothing reserved.
  REQUIRE(h.emitted() == 1);
  CHECK(h.type(0) == EventType::kCartItemPriceChanged);
  CHECK(h.state.carts.at(user).lines[0].unit_price_cents == 1500);
  CHECK(h.state.products.at(cup).reserved == 0);
  c.order_id = new_id();
  REQUIRE(h.run(c, h.as(user)).is_ok());
  CHECK(h.state.orders.at(c.order_id).total_cents == 3000);
}

namespace {
struct Paid {
  Uuid product, user, order, payment;
};
Paid order_and_payment(Harness& h, int64_t price = 1000, int64_t qty = 2) {
  Paid p;
  p.product = h.product(price, 10);
  p.user = new_id();
  p.order = h.order(p.user, {{p.product, qty}});
  p.payment = new_id();
  REQUIRE(h.run(CreatePayment{p.payment, p.order}, h.as(p.user)).is_ok());
  return p;
}
}  // namespace

TEST_CASE("payment: created for the order total, a good card confirms the order") {
  Harness h;
  const Paid p = order_and_payment(h);
  CHECK(h.state.payments.at(p.payment).amount_cents == 2000);
  CHECK(h.run(CreatePayment{new_id(), p.order}, h.as(p.user)).code() ==
        ErrorCode::kInvalidTransition);
  CHECK(h.run(ConfirmPayment{p.payment, "pm_card_ok"}, h.as(new_id())).code() ==
        ErrorCode::kNotFound);
  CHECK(h.run(ConfirmPayment{p.payment, "pm_bitcoin"}, h.as(p.user)).fields().at(0).field ==
        "payment_method");
  REQUIRE(h.run(ConfirmPayment{p.payment, "pm_card_ok"}, h.as(p.user)).is_ok());
  CHECK(h.emitted() == 2);  // PaymentSucceeded + OrderConfirmed
  CHECK(h.state.payments.at(p.payment).status == PaymentStatus::kSucceeded);
  CHECK(h.state.orders.at(p.order).status == OrderStatus::kConfirmed);
  CHECK(h.state.products.at(p.product).stock == 8);
  CHECK(h.run(ConfirmPayment{p.payment, "pm_card_ok"}, h.as(p.user)).code() ==
        ErrorCode::kInvalidTransition);
}

TEST_CASE("payment: a declined card fails, the order stays pending, a new payment may follow") {
  Harness h;
  const Paid p = order_and_payment(h);
  REQUIRE(h.run(ConfirmPayment{p.payment, "pm_card_declined"}, h.as(p.user)).is_ok());
  CHECK(h.state.payments.at(p.payment).status == PaymentStatus::kFailed);
  CHECK(h.state.orders.at(p.order).status == OrderStatus::kPending);
  const Uuid again = new_id();
  REQUIRE(h.run(CreatePayment{again, p.order}, h.as(p.user)).is_ok());
  REQUIRE(h.run(ConfirmPayment{again, "pm_card_ok"}, h.as(p.user)).is_ok());
  CHECK(h.state.orders.at(p.order).status == OrderStatus::kConfirmed);
}

TEST_CASE("payment: an expired or cancelled order can no longer be paid") {
  Harness h;
  const Paid p = order_and_payment(h);
  REQUIRE(h.run(CancelOrder{p.order}, h.as(p.user)).is_ok());
  CHECK(h.run(ConfirmPayment{p.payment, "pm_card_ok"}, h.as(p.user)).code() ==
        ErrorCode::kInvalidTransition);
  CHECK(h.run(CreatePayment{new_id(), p.order}, h.as(p.user)).code() ==
        ErrorCode::kInvalidTransition);
  CHECK(h.run(CreatePayment{new_id(), p.order}, h.as(new_id())).code() == ErrorCode::kNotFound);
}

TEST_CASE("payment: refunds are partial or full, never more than captured, admins only") {
  Harness h;
  const Paid p = order_and_payment(h, 1000, 3);  // 3000 captured
  CHECK(h.run(RefundPayment{p.payment, 100}, h.as_admin()).code() ==
        ErrorCode::kInvalidTransition);  // not paid yet
  REQUIRE(h.run(ConfirmPayment{p.payment, "pm_card_ok"}, h.as(p.user)).is_ok());
  CHECK(h.run(RefundPayment{p.payment, 100}, h.as(p.user)).code() == ErrorCode::kForbidden);
  CHECK(h.run(RefundPayment{p.payment, 3001}, h.as_admin()).fields().at(0).field == "amount_cents");
  CHECK(h.run(RefundPayment{p.payment, 0}, h.as_admin()).code() == ErrorCode::kInvalidArgument);
  REQUIRE(h.run(RefundPayment{p.payment, 1000}, h.as_admin()).is_ok());
  CHECK(h.state.payments.at(p.payment).refunded_cents == 1000);
  REQUIRE(h.run(RefundPayment{p.payment, std::nullopt}, h.as_admin()).is_ok());  // the rest
  CHECK(h.state.payments.at(p.payment).refunded_cents == 3000);
  CHECK(h.run(RefundPayment{p.payment, 1}, h.as_admin()).code() == ErrorCode::kInvalidTransition);
}
