// Steps the API tests take on the way to what they check, REQUIRE-ing that
// each goes through: finding a product by a catalog search and placing an
// order of one unit.
#pragma once

#include <doctest/doctest.h>

#include <string>

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

}  // namespace orderly::testing
