// Steps the API tests take on the way to what they check, REQUIRE-ing (or,
// from several threads, CHECK-ing) that each goes through: finding a
// product by a catalog search, setting its stock, and placing orders of one
// unit.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/session.h"
#include "tests/support/shop_requests.h"

namespace orderly::testing {

// The id of the first product a search for `query` finds: the search
// answers 200 with at least one item.
inline std::string first_product(HttpClient& c, const std::string& query) {
  auto r = c.request("GET", "/api/products?q=" + query);
  REQUIRE(r.status == 200);
  auto items = r.json().as_object().at("items").as_array();
  REQUIRE(!items.empty());
  return str(items[0], "id");
}

// `who` orders one unit of `product` (201): the order's id.
inline std::string place_order(HttpClient& c, const Session& who, const std::string& product) {
  auto placed = order_one(c, who, product);
  REQUIRE(placed.status == 201);
  return str(placed.json().as_object().at("order"), "id");
}

// `user` orders one espresso cup of the demo catalog (201): the order's id.
inline std::string place_order(const OrderlyServer& server, const Session& user) {
  HttpClient c = server.client();
  return place_order(c, user, product_id(c, "espresso"));
}

// The admin sets `product`'s stock (200).
inline void set_stock(HttpClient& c, const Session& admin, const std::string& product,
                      int64_t stock) {
  REQUIRE(c.send("PUT", "/api/products/" + product + "/stock", admin.access_token,
                 R"({"stock":)" + std::to_string(stock) + "}")
              .status == 200);
}

// `threads` clients at once, each placing `orders` one-unit orders of
// `product` as `who`: every one 201. Returns when all are answered.
inline void place_orders_at_once(uint16_t port, const Session& who, const std::string& product,
                                 int threads, int orders) {
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&] {
      HttpClient w(port);
      for (int i = 0; i < orders; ++i) {
        auto r = order_one(w, who, product);
        CHECK(r.status == 201);
      }
    });
  }
  for (auto& t : writers)
    t.join();
}

}  // namespace orderly::testing
