// The whole shop journey against a real `orderly serve` over HTTP.
#include <doctest/doctest.h>

#include "tests/api/shop_steps.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"

using namespace orderly::testing;

TEST_CASE("journey: register, browse, cart, checkout, pay, ship, deliver, stats, refresh, logout") {
  OrderlyServer server;
  HttpClient c = server.client();

  // Health and the demo catalog.
  auto health = c.request("GET", "/health");
  REQUIRE(health.status == 200);
  CHECK(str(health.json(), "status") == "ok");
  CHECK(!health.header("x-request-id").empty());
  auto echoed = c.request("GET", "/health", "", {{"X-Request-Id", "trace-42"}});
  CHECK(echoed.header("x-request-id") == "trace-42");

  Session ada = server.register_user("ada");
  Session admin = server.admin();

  // Browse and search: ranked, filtered, paged.
  auto search = c.request("GET", "/api/products?q=espresso&per_page=5");
  REQUIRE(search.status == 200);
  CHECK(num(search.json(), "total") >= 1);
  CHECK(str(search.json().as_object().at("items").as_array()[0], "name") == "Espresso cup");
  auto garden = c.request("GET", "/api/products?category=garden&sort=price&per_page=2&page=2");
  REQUIRE(garden.status == 200);
  CHECK(num(garden.json(), "page") == 2);
  CHECK(garden.json().as_object().at("items").as_array().size() == 2);
  auto cats = c.request("GET", "/api/categories");
  REQUIRE(cats.status == 200);
  CHECK(cats.json().as_object().at("items").as_array().size() == 4);

  const std::string cup = first_product(c, "espresso");
  const std::string moka = first_product(c, "moka");
  auto product = c.request("GET", "/api/products/" + cup);
  REQUIRE(product.status == 200);
  CHECK(num(product.json().as_object().at("product"), "available") == 120);

  // Cart, then checkout.
  auto added = c.send("POST", "/api/cart/items", ada.access_token,
                      R"({"product_id":")" + cup + R"(","quantity":2})");
  REQUIRE(added.status == 200);
  CHECK(num(added.json(), "total_cents") == 2500);
  REQUIRE(c.send("POST", "/api/cart/items", ada.access_token,
                 R"({"product_id":")" + moka + R"(","quantity":1})")
              .status == 200);
  auto changed = c.send("PUT", "/api/cart/items/" + moka, ada.access_token, R"({"quantity":3})");
  REQUIRE(changed.status == 200);
  CHECK(num(changed.json(), "total_cents") == 2500 + 3 * 3490);
  auto cart = c.send("GET", "/api/cart", ada.access_token);
  CHECK(cart.json().as_object().at("items").as_array().size() == 2);
  auto checkout = c.send("POST", "/api/cart/checkout", ada.access_token);
  REQUIRE(checkout.status == 201);
  const auto order = checkout.json().as_object().at("order");
  const std::string order_id = str(order, "id");
  CHECK(str(order, "status") == "pending");
  CHECK(num(order, "total_cents") == 2500 + 3 * 3490);
  CHECK(!checkout.header("x-log-position").empty());
  // Read-your-writes: the cart model has applied the checkout too.
  auto emptied = c.send("GET", "/api/cart", ada.access_token, "",
                        {{"X-Min-Position", checkout.header("x-log-position")}});
  CHECK(emptied.json().as_object().at("items").as_array().empty());

  // The stock is reserved at once (read-your-writes with X-Min-Position).
  auto reserved = c.request("GET", "/api/products/" + cup, "",
                            {{"X-Min-Position", checkout.header("x-log-position")}});
  CHECK(num(reserved.json().as_object().at("product"), "reserved") == 2);

  // Pay.
  auto payment =
      c.send("POST", "/api/payments", ada.access_token, R"({"order_id":")" + order_id + R"("})");
  REQUIRE(payment.status == 201);
  const std::string payment_id = str(payment.json().as_object().at("payment"), "id");
  CHECK(str(payment.json().as_object().at("payment"), "status") == "requires_confirmation");
  auto paid = c.send("POST", "/api/payments/" + payment_id + "/confirm", ada.access_token,
                     R"({"payment_method":"pm_card_ok"})");
  REQUIRE(paid.status == 200);
  CHECK(str(paid.json().as_object().at("payment"), "status") == "succeeded");
  auto confirmed = c.send("GET", "/api/orders/" + order_id, ada.access_token, "",
                          {{"X-Min-Position", paid.header("x-log-position")}});
  REQUIRE(confirmed.status == 200);
  CHECK(str(confirmed.json().as_object().at("order"), "status") == "confirmed");

  // The admin ships and delivers; an illegal move is refused.
  auto shipped = c.send("PUT", "/api/orders/" + order_id + "/status", admin.access_token,
                        R"({"status":"shipped"})");
  REQUIRE(shipped.status == 200);
  CHECK(str(shipped.json().as_object().at("order"), "status") == "shipped");
  auto back = c.send("PUT", "/api/orders/" + order_id + "/status", admin.access_token,
                     R"({"status":"pending"})");
  CHECK(back.status == 409);
  CHECK(str(back.json(), "code") == "invalid_transition");
  auto cancel_late = c.send("POST", "/api/orders/" + order_id + "/cancel", ada.access_token);
  CHECK(cancel_late.status == 409);
  auto delivered = c.send("PUT", "/api/orders/" + order_id + "/status", admin.access_token,
                          R"({"status":"delivered"})");
  REQUIRE(delivered.status == 200);

  // Ada's history and stats; the admin's dashboard.
  auto mine = c.send("GET", "/api/orders?status=delivered", ada.access_token, "",
                     {{"X-Min-Position", delivered.header("x-log-position")}});
  REQUIRE(mine.status == 200);
  CHECK(num(mine.json(), "total") == 1);
  auto stats = c.send("GET", "/api/orders/stats", ada.access_token);
  CHECK(num(stats.json(), "completed_orders") == 1);
  CHECK(num(stats.json(), "total_spent_cents") == 2500 + 3 * 3490);
  auto dash = c.send("GET", "/api/stats/dashboard", admin.access_token, "",
                     {{"X-Min-Position", delivered.header("x-log-position")}});
  REQUIRE(dash.status == 200);
  CHECK(num(dash.json(), "revenue_cents") == 2500 + 3 * 3490);
  CHECK(num(dash.json(), "orders_total") == 1);
  CHECK(c.send("GET", "/api/notifications", ada.access_token).status == 200);
  auto me = c.send("GET", "/api/auth/me", ada.access_token);
  CHECK(str(me.json().as_object().at("user"), "username") == "ada");
  // Whether the account has a password, never the password or its hash.
  CHECK(me.body.find("password_hash") == std::string::npos);
  CHECK(me.body.find("$argon2") == std::string::npos);
  CHECK(me.body.find("password-of-ada") == std::string::npos);

  // A refund by the admin.
  auto refund = c.send("POST", "/api/payments/" + payment_id + "/refund", admin.access_token,
                       R"({"amount_cents":500})");
  REQUIRE(refund.status == 200);
  CHECK(num(refund.json().as_object().at("payment"), "refunded_cents") == 500);

  // Refresh rotates; reusing the old refresh token revokes the family.
  auto refreshed = c.send("POST", "/api/auth/refresh", "",
                          R"({"refresh_token":")" + ada.refresh_token + R"("})");
  REQUIRE(refreshed.status == 200);
  const Session next = session_of(refreshed);
  CHECK(c.send("GET", "/api/auth/me", next.access_token).status == 200);
  auto reuse = c.send("POST", "/api/auth/refresh", "",
                      R"({"refresh_token":")" + ada.refresh_token + R"("})");
  CHECK(reuse.status == 401);
  auto after_reuse = c.send("POST", "/api/auth/refresh", "",
                            R"({"refresh_token":")" + next.refresh_token + R"("})");
  CHECK(after_reuse.status == 401);  // the whole family is gone

  // Logout revokes the refresh token it names.
  Session again = server.login("ada@example.com", "password-of-ada");
  auto out = c.send("POST", "/api/auth/logout", again.access_token,
                    R"({"refresh_token":")" + again.refresh_token + R"("})");
  CHECK(out.status == 204);
  CHECK(c.send("POST", "/api/auth/refresh", "",
               R"({"refresh_token":")" + again.refresh_token + R"("})")
            .status == 401);

  // Projections and metrics for operators.
  // The audit view of the order: its state then, and the events that built it.
  auto audit = c.send("GET", "/api/admin/streams/order-" + order_id, admin.access_token);
  REQUIRE(audit.status == 200);
  CHECK(str(audit.json().as_object().at("state"), "status") == "delivered");
  CHECK(audit.json().as_object().at("events").as_array().size() >= 4);
  auto then =
      c.send("GET", "/api/admin/streams/order-" + order_id + "?at_version=1", admin.access_token);
  REQUIRE(then.status == 200);
  CHECK(str(then.json().as_object().at("state"), "status") == "pending");
  CHECK(then.json().as_object().at("events").as_array().size() == 1);
  CHECK(c.send("GET", "/api/admin/streams/nonsense", admin.access_token).status == 404);
  auto projections = c.send("GET", "/api/admin/projections", admin.access_token);
  REQUIRE(projections.status == 200);
  CHECK(projections.json().as_array().size() == 7);
  auto metrics = c.request("GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("orderly_http_requests_total{route=\"/api/cart/checkout\"") !=
        std::string::npos);
  CHECK(metrics.body.find("orderly_projection_lag{projection=\"orders\"}") != std::string::npos);
  CHECK(c.request("GET", "/ready").status == 200);
  auto spec = c.request("GET", "/api/openapi.json");
  CHECK(spec.status == 200);
  CHECK(str(spec.json(), "openapi") == "3.1.0");
  auto docs = c.request("GET", "/docs");
  CHECK(docs.status == 200);
  CHECK(docs.header("content-type").starts_with("text/html"));
  CHECK(!docs.header("content-security-policy").empty());

  CHECK(server.stop() == 0);  // SIGTERM: a clean stop
}
