// Issue 18 over HTTP against a real `orderly serve`: money (cancelling a
// paid order refunds it, revenue is captured minus refunded and the sum of
// its days), one currency per deployment, the cart (stock and the price a
// line was added at) and idempotent registration.
#include <doctest/doctest.h>

#include "tests/support/account_mail.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_binary.h"
#include "tests/support/orderly_server.h"
#include "tests/support/wait_until.h"

using namespace orderly::testing;

namespace {

const json::object& obj(const json::value& v, std::string_view key) {
  return v.as_object().at(key).as_object();
}

// An admin-made product; its id.
std::string make_product(HttpClient& c, const Session& admin, const std::string& name,
                         int64_t price, int64_t stock, const std::string& extra = "") {
  auto r =
      c.send("POST", "/api/products", admin.access_token,
             R"({"name":")" + name + R"(","description":"d","category":"test","price_cents":)" +
                 std::to_string(price) + R"(,"stock":)" + std::to_string(stock) + extra + "}");
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return str(r.json().as_object().at("product"), "id");
}

std::string place_order(HttpClient& c, const Session& who, const std::string& product, int qty) {
  auto r = c.send(
      "POST", "/api/orders", who.access_token,
      R"({"items":[{"product_id":")" + product + R"(","quantity":)" + std::to_string(qty) + "}]}");
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return str(r.json().as_object().at("order"), "id");
}

// Pays the order with pm_card_ok; the payment id.
std::string pay(HttpClient& c, const Session& who, const std::string& order) {
  auto created =
      c.send("POST", "/api/payments", who.access_token, R"({"order_id":")" + order + R"("})");
  REQUIRE_MESSAGE(created.status == 201, created.body);
  const std::string id = str(created.json().as_object().at("payment"), "id");
  auto confirmed = c.send("POST", "/api/payments/" + id + "/confirm", who.access_token,
                          R"({"payment_method":"pm_card_ok"})");
  REQUIRE_MESSAGE(confirmed.status == 200, confirmed.body);
  CHECK(str(confirmed.json().as_object().at("payment"), "status") == "succeeded");
  return id;
}

// The dashboard once it has applied `position`.
json::value dashboard(HttpClient& c, const Session& admin, const std::string& position) {
  auto r =
      c.send("GET", "/api/stats/dashboard", admin.access_token, "", {{"X-Min-Position", position}});
  REQUIRE(r.status == 200);
  return r.json();
}

// revenue_cents = the sum of revenue_by_day, never negative; each day too.
int64_t checked_revenue(const json::value& d) {
  int64_t sum = 0;
  for (const auto& day : d.as_object().at("revenue_by_day").as_array()) {
    CHECK(num(day, "revenue_cents") >= 0);
    sum += num(day, "revenue_cents");
  }
  CHECK(num(d, "revenue_cents") == sum);
  CHECK(num(d, "revenue_cents") >= 0);
  return num(d, "revenue_cents");
}

}  // namespace

TEST_CASE("money: cancelling a paid order refunds it in the same commit, revenue stays true") {
  OrderlyServer server({"--no-demo"});
  HttpClient c = server.client();
  Session admin = server.admin();
  Session ada = server.register_user("ada");
  const std::string widget = make_product(c, admin, "Widget", 1250, 10);

  // A paid order, cancelled by its owner: the payment is refunded in full.
  const std::string order = place_order(c, ada, widget, 1);
  const std::string payment = pay(c, ada, order);
  auto cancelled = c.send("POST", "/api/orders/" + order + "/cancel", ada.access_token);
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
  CHECK(str(cancelled.json().as_object().at("order"), "status") == "cancelled");
  const std::string at = cancelled.header("x-log-position");
  auto p =
      c.send("GET", "/api/payments/" + payment, admin.access_token, "", {{"X-Min-Position", at}});
  REQUIRE(p.status == 200);
  CHECK(str(obj(p.json(), "payment"), "status") == "refunded");
  CHECK(num(obj(p.json(), "payment"), "refunded_cents") == 1250);
  // The refund and the cancellation are one commit: one log position apart
  // at most, with nothing else between them.
  auto events = c.send("GET", "/api/admin/events?from_position=1&limit=1000", admin.access_token);
  REQUIRE(events.status == 200);
  uint64_t cancel_pos = 0, refund_pos = 0;
  const json::value log = events.json();
  for (const auto& e : log.as_object().at("items").as_array()) {
    if (str(e, "type") == "order.cancelled")
      cancel_pos = static_cast<uint64_t>(num(e, "position"));
    if (str(e, "type") == "payment.refunded") {
      refund_pos = static_cast<uint64_t>(num(e, "position"));
      CHECK(str(e.as_object().at("data"), "reason") == "order_cancelled");
    }
  }
  CHECK(cancel_pos > 0);
  CHECK(refund_pos == cancel_pos + 1);
  // Nothing is left to refund: a later admin refund is refused, and revenue
  // never goes negative.
  auto again = c.send("POST", "/api/payments/" + payment + "/refund", admin.access_token, "{}");
  CHECK(again.status == 409);
  CHECK(checked_revenue(dashboard(c, admin, at)) == 0);

  // Admin cancellation of a paid order refunds it too.
  const std::string order2 = place_order(c, ada, widget, 2);
  const std::string payment2 = pay(c, ada, order2);
  auto by_admin = c.send("PUT", "/api/orders/" + order2 + "/status", admin.access_token,
                         R"({"status":"cancelled"})");
  REQUIRE_MESSAGE(by_admin.status == 200, by_admin.body);
  auto p2 = c.send("GET", "/api/payments/" + payment2, admin.access_token, "",
                   {{"X-Min-Position", by_admin.header("x-log-position")}});
  CHECK(num(obj(p2.json(), "payment"), "refunded_cents") == 2500);

  // A delivered order, partly refunded: revenue is captured minus refunded,
  // equal to the sum of its days, and so is the customer's spending.
  const std::string order3 = place_order(c, ada, widget, 3);
  const std::string payment3 = pay(c, ada, order3);
  for (const char* s : {"shipped", "delivered"}) {
    REQUIRE(c.send("PUT", "/api/orders/" + order3 + "/status", admin.access_token,
                   std::string(R"({"status":")") + s + R"("})")
                .status == 200);
  }
  auto part = c.send("POST", "/api/payments/" + payment3 + "/refund", admin.access_token,
                     R"({"amount_cents":750})");
  REQUIRE_MESSAGE(part.status == 200, part.body);
  auto d = dashboard(c, admin, part.header("x-log-position"));
  CHECK(checked_revenue(d) == 3750 - 750);
  CHECK(num(d, "refunded_cents") == 750);
  auto spent = c.send("GET", "/api/orders/stats", ada.access_token, "",
                      {{"X-Min-Position", part.header("x-log-position")}});
  CHECK(num(spent.json(), "total_spent_cents") == 3750 - 750);

  // Fully refunded: no longer spent, no longer revenue.
  auto rest = c.send("POST", "/api/payments/" + payment3 + "/refund", admin.access_token, "{}");
  REQUIRE_MESSAGE(rest.status == 200, rest.body);
  CHECK(checked_revenue(dashboard(c, admin, rest.header("x-log-position"))) == 0);
  auto none = c.send("GET", "/api/orders/stats", ada.access_token, "",
                     {{"X-Min-Position", rest.header("x-log-position")}});
  CHECK(num(none.json(), "total_spent_cents") == 0);

  // The same numbers after a restart (snapshots and the log agree).
  server.stop();
  server.start();
  HttpClient after = server.client();
  auto again_d = after.send("GET", "/api/stats/dashboard", server.admin().access_token);
  CHECK(checked_revenue(again_d.json()) == 0);
}

TEST_CASE("currency: one per deployment, refused otherwise, carried by orders and payments") {
  OrderlyServer server({"--no-demo", "--currency", "EUR"});
  HttpClient c = server.client();
  Session admin = server.admin();
  Session ada = server.register_user("ada");

  auto usd =
      c.send("POST", "/api/products", admin.access_token,
             R"({"name":"Mug","category":"test","price_cents":500,"stock":5,"currency":"USD"})");
  CHECK(usd.status == 422);
  CHECK(str(usd.json(), "code") == "validation_failed");
  CHECK(str(usd.json().as_object().at("errors").as_array()[0], "field") == "currency");

  const std::string mug = make_product(c, admin, "Mug", 500, 5);
  auto product = c.request("GET", "/api/products/" + mug);
  CHECK(str(obj(product.json(), "product"), "currency") == "EUR");

  auto cart = c.send("POST", "/api/cart/items", ada.access_token,
                     R"({"product_id":")" + mug + R"(","quantity":1})");
  REQUIRE(cart.status == 200);
  CHECK(str(cart.json(), "currency") == "EUR");

  const std::string order = place_order(c, ada, mug, 1);
  auto shown = c.send("GET", "/api/orders/" + order, ada.access_token);
  CHECK(str(obj(shown.json(), "order"), "currency") == "EUR");
  auto created =
      c.send("POST", "/api/payments", ada.access_token, R"({"order_id":")" + order + R"("})");
  REQUIRE(created.status == 201);
  CHECK(str(obj(created.json(), "payment"), "currency") == "EUR");
  auto events = c.send("GET", "/api/admin/events?type=order.placed", admin.access_token);
  REQUIRE(events.status == 200);
  const json::value log = events.json();
  const auto& items = log.as_object().at("items").as_array();
  REQUIRE(items.size() == 1);
  CHECK(str(items[0].as_object().at("data"), "currency") == "EUR");

  // The order's email prices it in the shop's currency (outbox: no SMTP).
  const bool euros = poll_until(
      [&] {
        for (const auto& text : eml_texts(server.data_dir() + "/outbox")) {
          if (text.find("5.00 EUR") != std::string::npos)
            return true;
        }
        return false;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(100));
  CHECK(euros);

  // A malformed currency does not start the server.
  auto bad = run_command({orderly_binary(), "serve", "--data-dir", server.dir().path() + "/other",
                          "--currency", "euro"});
  CHECK(bad.exit_code != 0);
}

TEST_CASE("cart: never more than available, keeps the price a line was added at") {
  OrderlyServer server({"--no-demo"});
  HttpClient c = server.client();
  Session admin = server.admin();
  Session ada = server.register_user("ada");
  const std::string lamp = make_product(c, admin, "Lamp", 1000, 3);
  const std::string desk = make_product(c, admin, "Desk", 5000, 10);

  auto too_many = c.send("POST", "/api/cart/items", ada.access_token,
                         R"({"product_id":")" + lamp + R"(","quantity":10})");
  CHECK(too_many.status == 409);
  CHECK(str(too_many.json(), "code") == "insufficient_stock");
  CHECK(str(too_many.json().as_object().at("errors").as_array()[0], "field") == "quantity");
  REQUIRE(c.send("POST", "/api/cart/items", ada.access_token,
                 R"({"product_id":")" + lamp + R"(","quantity":2})")
              .status == 200);
  // 2 + 2 > 3, and setting 4 is too many as well; 3 is fine.
  CHECK(c.send("POST", "/api/cart/items", ada.access_token,
               R"({"product_id":")" + lamp + R"(","quantity":2})")
            .status == 409);
  CHECK(c.send("PUT", "/api/cart/items/" + lamp, ada.access_token, R"({"quantity":4})").status ==
        409);
  CHECK(c.send("PUT", "/api/cart/items/" + lamp, ada.access_token, R"({"quantity":3})").status ==
        200);
  REQUIRE(c.send("POST", "/api/cart/items", ada.access_token,
                 R"({"product_id":")" + desk + R"(","quantity":1})")
              .status == 200);

  // The price moves after the lines were added: the cart keeps the old one
  // and says so; checkout refuses once, naming the line, then goes through
  // at the new price.
  auto patched =
      c.send("PATCH", "/api/products/" + lamp, admin.access_token, R"({"price_cents":1200})");
  REQUIRE_MESSAGE(patched.status == 200, patched.body);
  auto cart = c.send("GET", "/api/cart", ada.access_token, "",
                     {{"X-Min-Position", patched.header("x-log-position")}});
  const json::value shown = cart.json();
  const auto& lines = shown.as_object().at("items").as_array();
  REQUIRE(lines.size() == 2);
  CHECK(num(lines[0], "unit_price_cents") == 1000);
  CHECK(num(lines[0], "current_unit_price_cents") == 1200);
  CHECK(lines[0].as_object().at("price_changed").as_bool());
  CHECK(!lines[1].as_object().at("price_changed").as_bool());
  CHECK(num(cart.json(), "total_cents") == 3 * 1000 + 5000);

  auto refused =
      c.send("POST", "/api/cart/checkout", ada.access_token, "", {{"Idempotency-Key", "co-1"}});
  CHECK(refused.status == 409);
  CHECK(str(refused.json(), "code") == "price_changed");
  const json::value problem = refused.json();
  const auto& errors = problem.as_object().at("errors").as_array();
  REQUIRE(errors.size() == 1);
  CHECK(str(errors[0], "field") == "items[0].unit_price_cents");
  CHECK(str(errors[0], "message").find("1200") != std::string::npos);
  CHECK(str(errors[0], "message").find("1000") != std::string::npos);
  // Nothing was reserved.
  auto stock = c.request("GET", "/api/products/" + lamp);
  CHECK(num(obj(stock.json(), "product"), "available") == 3);

  // The cart now shows the new price (read-your-writes on the log's end).
  auto health = c.request("GET", "/health");
  auto updated = c.send("GET", "/api/cart", ada.access_token, "",
                        {{"X-Min-Position", std::to_string(num(health.json(), "log_position"))}});
  CHECK(num(updated.json().as_object().at("items").as_array()[0], "unit_price_cents") == 1200);
  CHECK(num(updated.json(), "total_cents") == 3 * 1200 + 5000);

  // A retry of the refused request (same key) is refused the same way: it
  // never places the order at prices the customer was not shown; also after
  // a restart, when the key is known from the log.
  auto checkout = [&](const std::string& key) {
    HttpClient client = server.client();  // the port changes with each start
    return client.send("POST", "/api/cart/checkout", ada.access_token, "",
                       {{"Idempotency-Key", key}});
  };
  auto refused_again = [&](const char* when) {
    CAPTURE(when);
    auto r = checkout("co-1");
    CHECK(r.status == 409);
    CHECK(str(r.json(), "code") == "price_changed");
  };
  refused_again("at once");
  server.stop();
  server.start();
  refused_again("after a clean restart (the writer snapshot)");
  server.kill();
  server.start();
  refused_again("after a crash (no writer snapshot: the key comes from the log)");

  auto placed = checkout("co-2");
  REQUIRE_MESSAGE(placed.status == 201, placed.body);
  CHECK(num(obj(placed.json(), "order"), "total_cents") == 3 * 1200 + 5000);
}

TEST_CASE("register: a retry with the same Idempotency-Key answers the first response") {
  OrderlyServer server({"--no-demo"});
  HttpClient c = server.client();
  Session admin = server.admin();
  const std::string body =
      R"({"username":"bea","email":"Bea@Example.com","password":"password-of-bea"})";
  auto first = c.send("POST", "/api/auth/register", "", body, {{"Idempotency-Key", "k-1"}});
  REQUIRE_MESSAGE(first.status == 201, first.body);
  auto retry = c.send("POST", "/api/auth/register", "", body, {{"Idempotency-Key", "k-1"}});
  REQUIRE_MESSAGE(retry.status == 201, retry.body);
  CHECK(retry.body == first.body);  // same user, same tokens
  CHECK(retry.header("x-log-position") == first.header("x-log-position"));

  // The first session works; nothing was appended by the retry.
  const Session bea = session_of(first);
  CHECK(c.send("GET", "/api/auth/me", bea.access_token).status == 200);
  auto refreshed = c.send("POST", "/api/auth/refresh", "",
                          R"({"refresh_token":")" + bea.refresh_token + R"("})");
  CHECK(refreshed.status == 200);
  auto events = c.send("GET", "/api/admin/events?type=user.registered", admin.access_token);
  size_t registered = 0;
  const json::value log = events.json();
  for (const auto& e : log.as_object().at("items").as_array())
    registered += str(e.as_object().at("data"), "username") == "bea";
  CHECK(registered == 1);

  // Another client that happens to pick the same key registers its own
  // account; the same key for the same account with another body is refused.
  auto other =
      c.send("POST", "/api/auth/register", "",
             R"({"username":"cyd","email":"cyd@example.com","password":"password-of-cyd"})",
             {{"Idempotency-Key", "k-1"}});
  CHECK_MESSAGE(other.status == 201, other.body);
  auto reused = c.send("POST", "/api/auth/register", "",
                       R"({"username":"bea","email":"bea@example.com","password":"another-pass"})",
                       {{"Idempotency-Key", "k-1"}});
  CHECK(reused.status == 422);
  CHECK(str(reused.json(), "code") == "idempotency_key_reused");

  // After a restart the retry still answers the same.
  server.stop();
  server.start();
  HttpClient after = server.client();
  auto later = after.send("POST", "/api/auth/register", "", body, {{"Idempotency-Key", "k-1"}});
  CHECK(later.status == 201);
  CHECK(later.body == first.body);
}
