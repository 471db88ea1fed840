#include <doctest/doctest.h>

#include "tests/commands/harness.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

TEST_CASE("product: admins create products, customers cannot") {
  Harness h;
  CreateProduct c = new_product(1299, 5);
  CHECK(h.run(c, h.as(new_id())).code() == ErrorCode::kForbidden);
  REQUIRE(h.run(c, h.as_admin()).is_ok());
  // The shop's first product of "kitchen" makes the category too
  // (commands/category.h).
  REQUIRE(h.emitted() == 2);
  CHECK(h.type(0) == EventType::kCategoryCreated);
  CHECK(h.type(1) == EventType::kProductCreated);
  const ProductState& p = h.state.products.at(c.product_id);
  CHECK(p.stock == 5);
  CHECK(p.available() == 5);
  CHECK(p.version == 1);
  CHECK(h.run(c, h.as_admin()).code() == ErrorCode::kAlreadyExists);
  c.product_id = new_id();
  const Status dup_sku = h.run(c, h.as_admin());
  CHECK(dup_sku.code() == ErrorCode::kAlreadyExists);
  CHECK(dup_sku.fields().at(0).field == "sku");
}

TEST_CASE("product: every field is validated and named") {
  Harness h;
  auto bad = [&](auto mutate, const std::string& field) {
    CreateProduct c = new_product(100, 1);
    mutate(c);
    const Status st = h.run(c, h.as_admin());
    CAPTURE(field);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    REQUIRE_FALSE(st.fields().empty());
    CHECK(st.fields()[0].field == field);
  };
  bad([](CreateProduct& c) { c.name = ""; }, "name");
  bad([](CreateProduct& c) { c.name = std::string(201, 'x'); }, "name");
  bad([](CreateProduct& c) { c.name = "bad\x01name"; }, "name");
  bad([](CreateProduct& c) { c.name = "bad \xC0\xAF utf8"; }, "name");
  bad([](CreateProduct& c) { c.price_cents = -1; }, "price_cents");
  bad([](CreateProduct& c) { c.stock = -5; }, "stock");
  bad([](CreateProduct& c) { c.stock = kMaxStock + 1; }, "stock");
  bad([](CreateProduct& c) { c.category = ""; }, "category");
  bad([](CreateProduct& c) { c.currency = "usd"; }, "currency");
  CHECK(h.state.products.empty());
}

TEST_CASE("product: stock never drops below what pending orders reserved") {
  Harness h;
  const Uuid p = h.product(500, 10);
  const Uuid user = new_id();
  Status st;
  h.order(user, {{p, 7}}, &st);
  REQUIRE(st.is_ok());
  CHECK(h.state.products.at(p).reserved == 7);
  CHECK(h.state.products.at(p).available() == 3);

  const Status too_low = h.run(SetStock{p, 6}, h.as_admin());
  CHECK(too_low.code() == ErrorCode::kInvalidArgument);
  CHECK(too_low.fields()[0].field == "stock");
  CHECK(h.run(AdjustStock{p, -4}, h.as_admin()).code() == ErrorCode::kInvalidArgument);
  CHECK(h.run(AdjustStock{p, 0}, h.as_admin()).code() == ErrorCode::kInvalidArgument);
  REQUIRE(h.run(AdjustStock{p, -3}, h.as_admin()).is_ok());
  CHECK(h.state.products.at(p).stock == 7);
  CHECK(h.state.products.at(p).available() == 0);
  REQUIRE(h.run(SetStock{p, 20}, h.as_admin()).is_ok());
  CHECK(h.state.products.at(p).available() == 13);
  CHECK(h.run(SetStock{new_id(), 1}, h.as_admin()).code() == ErrorCode::kNotFound);
  CHECK(h.run(SetStock{p, 1}, h.as(user)).code() == ErrorCode::kForbidden);
}

TEST_CASE("product: update, price change, discontinue") {
  Harness h;
  const Uuid p = h.product(500, 10);
  UpdateProduct u;
  u.product_id = p;
  CHECK(h.run(u, h.as_admin()).code() == ErrorCode::kInvalidArgument);  // names nothing
  u.name = "Mug";
  u.price_cents = 700;
  REQUIRE(h.run(u, h.as_admin()).is_ok());
  CHECK(h.emitted() == 2);  // ProductUpdated + ProductPriceChanged
  CHECK(h.state.products.at(p).name == "Mug");
  CHECK(h.state.products.at(p).price_cents == 700);
  REQUIRE(h.run(DiscontinueProduct{p}, h.as_admin()).is_ok());
  CHECK(h.run(DiscontinueProduct{p}, h.as_admin()).code() == ErrorCode::kInvalidTransition);
  Status st;
  h.order(new_id(), {{p, 1}}, &st);
  CHECK(st.code() == ErrorCode::kInvalidArgument);  // can no longer be ordered
}
