// Requests many tests make of a running server before the part they test:
// finding a product of the demo catalog (every server starts with it unless
// --no-demo) and ordering one unit of it.
#pragma once

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

// POST /api/orders for one unit of `product` as `who`: the answer, unchecked.
inline HttpResult order_one(HttpClient& c, const Session& who, const std::string& product) {
  return c.send("POST", "/api/orders", who.access_token,
                R"({"items":[{"product_id":")" + product + R"(","quantity":1}]})");
}

}  // namespace orderly::testing
