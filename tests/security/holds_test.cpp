// Issue 19: one unpaid order reserved the whole catalog (25 lines, each at
// the product's full availability): everyone else got 409 for the
// reservation's 15 minutes, and the customer could do it again. Now one
// customer's unpaid orders hold at most --hold-max-units of a product,
// --hold-max-orders orders and --hold-max-cents (defaults 10, 20,
// 1,000,000), refused with 409 hold_limit_exceeded; paying releases.
#include <doctest/doctest.h>

#include "tests/security/checks.h"

using namespace orderly::testing;

namespace {

std::string make_product(HttpClient& c, const Session& admin, int n, int64_t price, int64_t stock) {
  auto r = create_product(
      c, admin,
      {"Held " + std::to_string(n), "HELD-" + std::to_string(n), "d", "holds", price, stock});
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return str(r.json().as_object().at("product"), "id");
}

std::string order_body(const std::vector<std::pair<std::string, int64_t>>& lines) {
  json::array items;
  for (const auto& [id, q] : lines)
    items.push_back(json::object{{"product_id", id}, {"quantity", q}});
  return json::serialize(json::object{{"items", std::move(items)}});
}

}  // namespace

TEST_CASE("holds: one customer's unpaid order cannot reserve the whole catalog") {
  OrderlyServer server({"--no-demo"});
  HttpClient c = server.client();
  const Session admin = server.admin();
  const Session mallory = server.register_user("mallory");
  const Session ada = server.register_user("ada");
  std::vector<std::string> catalog;
  for (int i = 0; i < 25; ++i)
    catalog.push_back(make_product(c, admin, i, 100, 50));

  // The attack: every product at its full availability, in one order.
  std::vector<std::pair<std::string, int64_t>> everything;
  for (const auto& id : catalog)
    everything.emplace_back(id, 50);
  const HttpResult attack =
      c.send("POST", "/api/orders", mallory.access_token, order_body(everything));
  CAPTURE(attack.body);
  CHECK(is_problem(attack, 409, "hold_limit_exceeded"));
  CHECK(attack.body.find("max_units_per_product") != std::string::npos);

  // The limit is per customer and across orders: 10 of a product held
  // unpaid, then not one more, while another customer still buys.
  REQUIRE(
      c.send("POST", "/api/orders", mallory.access_token, order_body({{catalog[0], 10}})).status ==
      201);
  const HttpResult more =
      c.send("POST", "/api/orders", mallory.access_token, order_body({{catalog[0], 1}}));
  CAPTURE(more.body);
  CHECK(is_problem(more, 409, "hold_limit_exceeded"));
  const HttpResult others =
      c.send("POST", "/api/orders", ada.access_token, order_body({{catalog[0], 10}}));
  CHECK(others.status == 201);

  // Many small unpaid orders do not get around it either.
  int placed = 0, held_back = 0;
  for (int i = 1; i < 25 && held_back == 0; ++i) {
    const HttpResult r =
        c.send("POST", "/api/orders", mallory.access_token, order_body({{catalog[i], 1}}));
    if (r.status == 201)
      ++placed;
    else if (is_problem(r, 409, "hold_limit_exceeded") &&
             r.body.find("max_pending_orders") != std::string::npos)
      ++held_back;
  }
  CHECK(held_back == 1);
  CHECK(placed == 19);  // 20 unpaid orders in all

  // Paying releases what an order holds.
  const HttpResult list =
      c.send("GET", "/api/orders?status=pending&per_page=1", mallory.access_token);
  REQUIRE(list.status == 200);
  const std::string one = str(list.json().as_object().at("items").as_array().at(0), "id");
  const HttpResult pay = c.send("POST", "/api/payments", mallory.access_token,
                                json::serialize(json::object{{"order_id", one}}));
  REQUIRE_MESSAGE(pay.status == 201, pay.body);
  const std::string payment = str(pay.json().as_object().at("payment"), "id");
  REQUIRE(c.send("POST", "/api/payments/" + payment + "/confirm", mallory.access_token,
                 R"({"payment_method":"pm_card_ok"})")
              .status == 200);
  CHECK(
      c.send("POST", "/api/orders", mallory.access_token, order_body({{catalog[24], 1}})).status ==
      201);
  CHECK(server.stop() == 0);
}

TEST_CASE("holds: the limits are configurable, 0 turns one off") {
  OrderlyServer server(
      {"--no-demo", "--hold-max-units", "0", "--hold-max-orders", "2", "--hold-max-cents", "0"});
  HttpClient c = server.client();
  const Session admin = server.admin();
  const Session bulk = server.register_user("bulk");
  const std::string crate = make_product(c, admin, 0, 100, 5000);
  CHECK(c.send("POST", "/api/orders", bulk.access_token, order_body({{crate, 500}})).status == 201);
  CHECK(c.send("POST", "/api/orders", bulk.access_token, order_body({{crate, 500}})).status == 201);
  const HttpResult third =
      c.send("POST", "/api/orders", bulk.access_token, order_body({{crate, 1}}));
  CHECK(is_problem(third, 409, "hold_limit_exceeded"));
  CHECK(third.body.find("max_pending_orders") != std::string::npos);
  CHECK(server.stop() == 0);
}
