// Requests many tests make of a running server before the part they test:
// finding a product of the demo catalog (every server starts with it unless
// --no-demo), adding one, ordering one unit of it, and refreshing or ending
// a session.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "tests/support/http_client.h"
#include "tests/support/json_fields.h"
#include "tests/support/session.h"

namespace orderly::testing {

// The id of the first product a catalog search for `query` finds; throws
// when it finds none.
inline std::string product_id(HttpClient& c, const std::string& query) {
  const json::value listed = c.request("GET", "/api/products?q=" + query).json();
  const auto& items = listed.as_object().at("items").as_array();
  if (items.empty())
    throw std::runtime_error("no product for " + query);
  return str(items[0], "id");
}

// What POST /api/products is sent.
struct ProductFields {
  std::string name, sku, description, category;
  int64_t price_cents = 0;
  int64_t stock = 0;
};

// POST /api/products of `product` as `admin`: the answer, unchecked.
inline HttpResult create_product(HttpClient& c, const Session& admin,
                                 const ProductFields& product) {
  return c.send("POST", "/api/products", admin.access_token,
                json::serialize(json::object{{"name", product.name},
                                             {"sku", product.sku},
                                             {"description", product.description},
                                             {"category", product.category},
                                             {"price_cents", product.price_cents},
                                             {"stock", product.stock}}));
}

// POST /api/orders for one unit of `product` as `who`: the answer, unchecked.
inline HttpResult order_one(HttpClient& c, const Session& who, const std::string& product) {
  return c.send("POST", "/api/orders", who.access_token,
                R"({"items":[{"product_id":")" + product + R"(","quantity":1}]})");
}

// POST /api/auth/refresh of `refresh_token`: the answer, unchecked.
inline HttpResult post_refresh(HttpClient& c, const std::string& refresh_token) {
  return c.send("POST", "/api/auth/refresh", "",
                json::serialize(json::object{{"refresh_token", refresh_token}}));
}

// POST /api/auth/logout of `refresh_token` as `who`: the answer, unchecked.
inline HttpResult post_logout(HttpClient& c, const Session& who, const std::string& refresh_token) {
  return c.send("POST", "/api/auth/logout", who.access_token,
                json::serialize(json::object{{"refresh_token", refresh_token}}));
}

}  // namespace orderly::testing
