// Conditional GETs over HTTP (api/rest/conditional_get.h): a product, a list
// and the categories answer with an ETag, a matching If-None-Match gets 304
// with no body and the same ETag, and after a change the old tag gets 200
// with a new one. A caller's own answers are private and vary by token.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "tests/api/shop_steps.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/shop_requests.h"

using namespace orderly::testing;

namespace {

// GET `target` with If-None-Match `etag` (and X-Min-Position when given).
HttpResult revalidate(HttpClient& c, const std::string& target, const std::string& etag,
                      const std::string& position = "") {
  std::vector<std::pair<std::string, std::string>> headers = {{"If-None-Match", etag}};
  if (!position.empty())
    headers.emplace_back("X-Min-Position", position);
  return c.request("GET", target, "", headers);
}

}  // namespace

TEST_CASE("conditional get: a product, a list and the categories: 304, then a change, then 200") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  const std::string cup = first_product(c, "espresso");
  const std::string product = "/api/products/" + cup;
  const std::string list = "/api/products?category=kitchen&per_page=100";
  const std::string categories = "/api/categories";

  std::map<std::string, std::string> etags;
  for (const std::string& target : {product, list, categories}) {
    CAPTURE(target);
    auto first = c.request("GET", target);
    REQUIRE(first.status == 200);
    const std::string etag = first.header("etag");
    REQUIRE(etag.size() > 2);
    CHECK(etag.front() == '"');
    CHECK(first.header("vary").find("Authorization") != std::string::npos);
    CHECK(first.header("cache-control") == "no-cache");
    auto again = revalidate(c, target, etag);
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(again.header("etag") == etag);
    // HEAD revalidates the same way.
    CHECK(c.request("HEAD", target, "", {{"If-None-Match", etag}}).status == 304);
    etags[target] = etag;
  }
  // The product's ETag still starts with its version, and If-Match takes it whole.
  auto changed = c.send("PATCH", product, admin.access_token, R"({"price_cents":1399})",
                        {{"If-Match", etags[product]}});
  REQUIRE(changed.status == 200);
  const std::string position = changed.header("x-log-position");
  for (const std::string& target : {product, list}) {
    CAPTURE(target);
    auto after = revalidate(c, target, etags[target], position);
    CHECK(after.status == 200);
    CHECK(after.header("etag") != etags[target]);
    CHECK(revalidate(c, target, after.header("etag")).status == 304);
  }
  // A new category changes the categories' list.
  auto created =
      create_product(c, admin, {"Watering can", "CAN-1", "Ten litres", "garden-tools", 2500, 5});
  REQUIRE(created.status == 201);
  auto cats = revalidate(c, categories, etags[categories], created.header("x-log-position"));
  CHECK(cats.status == 200);
  CHECK(cats.header("etag") != etags[categories]);
}

TEST_CASE("conditional get: an order's reservations change a product's ETag, not its version") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  const std::string cup = first_product(c, "espresso");
  auto before = c.request("GET", "/api/products/" + cup);
  REQUIRE(before.status == 200);
  auto placed = order_one(c, ada, cup);
  REQUIRE(placed.status == 201);
  auto after =
      revalidate(c, "/api/products/" + cup, before.header("etag"), placed.header("x-log-position"));
  REQUIRE(after.status == 200);  // `available` moved: a 304 would keep the old number
  CHECK(num(after.json().as_object().at("product"), "version") ==
        num(before.json().as_object().at("product"), "version"));
  CHECK(num(after.json().as_object().at("product"), "reserved") ==
        num(before.json().as_object().at("product"), "reserved") + 1);
}

TEST_CASE("conditional get: a caller's own answers are private, and another caller gets theirs") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  Session bob = server.register_user("bob");
  const std::string cup = first_product(c, "espresso");
  REQUIRE(order_one(c, ada, cup).status == 201);
  auto mine = c.send("GET", "/api/orders", ada.access_token);
  REQUIRE(mine.status == 200);
  CHECK(mine.header("cache-control") == "private, no-cache");
  CHECK(mine.header("vary").find("Authorization") != std::string::npos);
  const std::string etag = mine.header("etag");
  CHECK(c.send("GET", "/api/orders", ada.access_token, "", {{"If-None-Match", etag}}).status ==
        304);
  // Bob's list is not Ada's: her tag gets him his own answer.
  auto his = c.send("GET", "/api/orders", bob.access_token, "", {{"If-None-Match", etag}});
  CHECK(his.status == 200);
  CHECK(his.json().as_object().at("items").as_array().empty());
  // Errors and commands get no ETag.
  CHECK(c.request("GET", "/api/products/not-an-id").header("etag").empty());
}

TEST_CASE("conditional get: a page of a customer's orders: its tag follows their orders exactly") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  Session bob = server.register_user("bob");
  Session admin = server.admin();
  const std::string cup = first_product(c, "espresso");
  auto placed = order_one(c, ada, cup);
  REQUIRE(placed.status == 201);
  const std::string order = str(placed.json().as_object().at("order"), "id");
  auto get = [&](const Session& who, const std::string& target, const std::string& etag = "",
                 const std::string& position = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!etag.empty())
      headers.emplace_back("If-None-Match", etag);
    if (!position.empty())
      headers.emplace_back("X-Min-Position", position);
    return c.send("GET", target, who.access_token, "", headers);
  };
  auto first = get(ada, "/api/orders", "", placed.header("x-log-position"));
  REQUIRE(first.status == 200);
  const std::string etag = first.header("etag");
  REQUIRE(etag.size() > 2);
  CHECK(etag.front() == '"');
  CHECK(etag.back() == '"');
  CHECK(first.header("x-orderly-exact-etag").empty());  // the route's note stays inside
  CHECK(get(ada, "/api/orders", etag).status == 304);
  // Another page, size or filter of the same list is another answer.
  for (const char* other :
       {"/api/orders?page=2", "/api/orders?per_page=5", "/api/orders?status=pending"}) {
    CAPTURE(other);
    auto r = get(ada, other, etag);
    CHECK(r.status == 200);
    CHECK(r.header("etag") != etag);
    CHECK(get(ada, other, r.header("etag")).status == 304);
  }
  // Bob's orders move; Ada's page stays the same, and so does its tag.
  auto his = order_one(c, bob, cup);
  REQUIRE(his.status == 201);
  CHECK(get(ada, "/api/orders", etag, his.header("x-log-position")).status == 304);
  // Her order changes status: the same tag now gets the new body.
  auto cancelled = c.send("POST", "/api/orders/" + order + "/cancel", ada.access_token);
  REQUIRE(cancelled.status == 200);
  auto after = get(ada, "/api/orders", etag, cancelled.header("x-log-position"));
  REQUIRE(after.status == 200);
  CHECK(after.header("etag") != etag);
  CHECK(str(after.json().as_object().at("items").as_array().at(0), "status") == "cancelled");
  // Staff lists keep the digest of the body (they show users' statuses too).
  auto staff = get(admin, "/api/orders");
  REQUIRE(staff.status == 200);
  CHECK(get(admin, "/api/orders", staff.header("etag")).status == 304);
}
