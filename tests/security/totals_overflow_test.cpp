// Issue 19: sums across orders overflowed int64: 95 orders at the price cap
// (100 lines x 10,000 units x 1e11 cents = 1e17 each) made the customer's
// total_spent_cents and the dashboard's revenue negative. Now an order is
// worth at most 1e12 cents (422 naming items), and the sums are 128 bits
// wide, saturated when shown (tests/projections/totals_test.cpp folds such
// orders from an old log).
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "tests/security/checks.h"

using namespace orderly::testing;

TEST_CASE("totals: orders at the price cap never turn total_spent or revenue negative") {
  OrderlyServer server({"--no-demo", "--rate-limit-ip", "0", "--rate-limit-user", "0"});
  HttpClient c = server.client();
  const Session admin = server.admin();
  const Session rich = server.register_user("rich");
  constexpr int64_t kPriceCap = 100'000'000'000;
  json::array items;
  for (int i = 0; i < 100; ++i) {
    auto r = create_product(c, admin,
                            {"Gold bar " + std::to_string(i), "GOLD-" + std::to_string(i), "d",
                             "gold", kPriceCap, 1'000'000});
    REQUIRE_MESSAGE(r.status == 201, r.body);
    items.push_back(json::object{{"product_id", str(r.json().as_object().at("product"), "id")},
                                 {"quantity", 10'000}});
  }
  const std::string body = json::serialize(json::object{{"items", items}});
  int placed = 0, refused = 0;
  HttpResult first_refusal;
  for (int i = 0; i < 95; ++i) {
    const HttpResult r = c.send("POST", "/api/orders", rich.access_token, body);
    if (r.status == 201) {
      ++placed;
      const std::string id = str(r.json().as_object().at("order"), "id");
      REQUIRE(c.send("PUT", "/api/orders/" + id + "/status", admin.access_token,
                     R"({"status":"confirmed"})")
                  .status == 200);
    } else {
      if (refused++ == 0)
        first_refusal = r;
    }
  }
  MESSAGE("orders of 1e17 cents placed: " << placed << ", refused: " << refused);
  // Refused as too large an order, with a clear problem naming the items.
  CHECK(placed == 0);
  CAPTURE(first_refusal.body);
  CHECK(is_problem(first_refusal, 422, "validation_failed"));
  CHECK(first_refusal.body.find("\"items\"") != std::string::npos);

  // Whatever was placed, no total is negative (once the read model has
  // every order).
  HttpResult stats;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    stats = c.send("GET", "/api/orders/stats", rich.access_token);
    REQUIRE(stats.status == 200);
    if (stats.json().as_object().at("total_orders").to_number<int64_t>() == placed)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  const auto spent = stats.json().as_object().at("total_spent_cents").to_number<int64_t>();
  CHECK(spent >= 0);
  const HttpResult dash = c.send("GET", "/api/stats/dashboard", admin.access_token);
  REQUIRE(dash.status == 200);
  const json::value dashboard = dash.json();
  const auto& d = dashboard.as_object();
  CHECK(d.at("revenue_cents").to_number<int64_t>() >= 0);
  for (const auto& day : d.at("revenue_by_day").as_array())
    CHECK(day.as_object().at("revenue_cents").to_number<int64_t>() >= 0);
  CHECK(server.stop() == 0);
}
