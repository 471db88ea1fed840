// Idempotent replays (issue 19): a retry with the same Idempotency-Key and
// the same request answers the first answer unchanged (status and body),
// not the resource as it is now, also after a restart; the request is
// compared by its JSON meaning, not its spelling.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "tests/security/checks.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"

using namespace orderly::testing;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The order's status as the read model has it once it applied `position`.
std::string order_status(HttpClient& c, const Session& s, const std::string& id,
                         const std::string& position) {
  auto r = c.send("GET", "/api/orders/" + id, s.access_token, "", {{"X-Min-Position", position}});
  REQUIRE(r.status == 200);
  return str(r.json().as_object().at("order"), "status");
}

// The retry's answer is the first one's: same status, same body.
void check_same_answer(const HttpResult& first, const HttpResult& retry) {
  CHECK(retry.status == first.status);
  CHECK(retry.body == first.body);
  CHECK(retry.header("x-log-position") == first.header("x-log-position"));
}

// The caller's orders once the read model has applied the whole log.
int64_t orders_total(HttpClient& c, const Session& s) {
  const std::string end = std::to_string(num(c.request("GET", "/health").json(), "log_position"));
  auto r = c.send("GET", "/api/orders", s.access_token, "", {{"X-Min-Position", end}});
  REQUIRE(r.status == 200);
  return num(r.json(), "total");
}

}  // namespace

TEST_CASE(
    "idempotent replay: a retried order and payment answer the first answer after payment and "
    "restarts") {
  OrderlyServer server;
  auto cp = std::make_unique<HttpClient>(server.port());
  const Session rita = server.register_user("rita");
  const std::string cup = product_id(*cp, "espresso");

  // Placed with a key: pending.
  const std::string body = R"({"items":[{"product_id":")" + cup +
                           R"(","quantity":1}],"shipping_address":"1 Main Street"})";
  // The same request re-serialised: other key order (nested too), other whitespace.
  const std::string respelt =
      "{ \"shipping_address\" : \"1 Main Street\",\n  \"items\": [ { "
      "\"quantity\": 1, \"product_id\": \"" +
      cup + "\" } ] }";
  const Headers order_key = {{"Idempotency-Key", "rita-order-1"}};
  const HttpResult first = cp->send("POST", "/api/orders", rita.access_token, body, order_key);
  REQUIRE(first.status == 201);
  const json::value placed = first.json().as_object().at("order");
  const std::string order = str(placed, "id");
  REQUIRE(str(placed, "status") == "pending");

  // A payment made with a key, then confirmed: the order is confirmed now.
  const std::string pay_body = R"({"order_id":")" + order + R"("})";
  const Headers pay_key = {{"Idempotency-Key", "rita-payment-1"}};
  const HttpResult first_payment =
      cp->send("POST", "/api/payments", rita.access_token, pay_body, pay_key);
  REQUIRE(first_payment.status == 201);
  REQUIRE(str(first_payment.json().as_object().at("payment"), "status") == "requires_confirmation");
  const std::string payment = str(first_payment.json().as_object().at("payment"), "id");
  auto confirmed = cp->send("POST", "/api/payments/" + payment + "/confirm", rita.access_token,
                            R"({"payment_method":"pm_card_ok"})");
  REQUIRE(confirmed.status == 200);
  REQUIRE(order_status(*cp, rita, order, confirmed.header("x-log-position")) == "confirmed");

  int64_t placed_orders = 1;
  auto replays_answer_first = [&](const std::string& when) {
    CAPTURE(when);
    // The same bytes, then the same meaning spelt differently: the first answer.
    check_same_answer(first, cp->send("POST", "/api/orders", rita.access_token, body, order_key));
    check_same_answer(first,
                      cp->send("POST", "/api/orders", rita.access_token, respelt, order_key));
    check_same_answer(first_payment,
                      cp->send("POST", "/api/payments", rita.access_token, pay_body, pay_key));
    check_same_answer(first_payment, cp->send("POST", "/api/payments", rita.access_token,
                                              "{\n \"order_id\" : \"" + order + "\"\n}", pay_key));
    // Another meaning with the same key is refused, as before.
    const std::string two = R"({"items":[{"product_id":")" + cup +
                            R"(","quantity":2}],"shipping_address":"1 Main Street"})";
    CHECK(is_problem(cp->send("POST", "/api/orders", rita.access_token, two, order_key), 422,
                     "idempotency_key_reused"));
    // Nothing was placed by the retries.
    CHECK(orders_total(*cp, rita) == placed_orders);
  };
  replays_answer_first("while running");

  // After a clean restart (the keys come from the writer snapshot).
  server.stop();
  server.start();
  cp = std::make_unique<HttpClient>(server.port());
  replays_answer_first("after a restart");

  // A key recorded after the snapshot, then SIGKILL: the keys come from the log.
  const std::string cup2 = product_id(*cp, "moka");
  const std::string second_body = R"({"items":[{"product_id":")" + cup2 + R"(","quantity":1}]})";
  const Headers second_key = {{"Idempotency-Key", "rita-order-2"}};
  const HttpResult second =
      cp->send("POST", "/api/orders", rita.access_token, second_body, second_key);
  REQUIRE(second.status == 201);
  const std::string order2 = str(second.json().as_object().at("order"), "id");
  placed_orders = 2;
  auto cancelled = cp->send("POST", "/api/orders/" + order2 + "/cancel", rita.access_token);
  REQUIRE(cancelled.status == 200);
  REQUIRE(str(cancelled.json().as_object().at("order"), "status") == "cancelled");
  server.kill();
  server.start();
  cp = std::make_unique<HttpClient>(server.port());
  check_same_answer(second,
                    cp->send("POST", "/api/orders", rita.access_token, second_body, second_key));
  CHECK(str(cp->send("POST", "/api/orders", rita.access_token, second_body, second_key)
                .json()
                .as_object()
                .at("order"),
            "status") == "pending");
  replays_answer_first("after SIGKILL");
}

TEST_CASE("idempotent replay: a retried product creation answers the product as created") {
  OrderlyServer server;
  auto cp = std::make_unique<HttpClient>(server.port());
  const Session admin = server.admin();
  const std::string body =
      R"({"name":"Replay mug","description":"a mug","price_cents":1500,"stock":10,"category":"mugs"})";
  const Headers key = {{"Idempotency-Key", "admin-product-1"}};
  const HttpResult first = cp->send("POST", "/api/products", admin.access_token, body, key);
  REQUIRE(first.status == 201);
  const std::string id = str(first.json().as_object().at("product"), "id");
  // Changed since: price and stock.
  auto patched =
      cp->send("PATCH", "/api/products/" + id, admin.access_token, R"({"price_cents":1700})");
  REQUIRE(patched.status == 200);
  auto stocked =
      cp->send("PUT", "/api/products/" + id + "/stock", admin.access_token, R"({"stock":3})");
  REQUIRE(stocked.status == 200);
  const std::string respelt =
      R"({ "stock": 10, "price_cents": 1500, "name": "Replay mug", "category": "mugs", "description": "a mug" })";
  check_same_answer(first, cp->send("POST", "/api/products", admin.access_token, body, key));
  check_same_answer(first, cp->send("POST", "/api/products", admin.access_token, respelt, key));
  server.stop();
  server.start();
  cp = std::make_unique<HttpClient>(server.port());
  check_same_answer(first, cp->send("POST", "/api/products", admin.access_token, respelt, key));
}

TEST_CASE(
    "idempotent replay: a registration retried with its JSON re-spelt answers the first session") {
  OrderlyServer server;
  auto cp = std::make_unique<HttpClient>(server.port());
  const Headers key = {{"Idempotency-Key", "reg-respelt-1"}};
  const std::string body =
      R"({"username":"respelt","email":"respelt@example.com","password":"respelt-password-1"})";
  const std::string respelt =
      "{\n  \"password\": \"respelt-password-1\",\n  \"email\": \"respelt@example.com\",\n  "
      "\"username\": \"respelt\"\n}";
  const HttpResult first = cp->send("POST", "/api/auth/register", "", body, key);
  REQUIRE(first.status == 201);
  check_same_answer(first, cp->send("POST", "/api/auth/register", "", respelt, key));
  // Another password is another request.
  const std::string other =
      R"({"username":"respelt","email":"respelt@example.com","password":"another-password-2"})";
  CHECK(is_problem(cp->send("POST", "/api/auth/register", "", other, key), 422,
                   "idempotency_key_reused"));
  server.stop();
  server.start();
  cp = std::make_unique<HttpClient>(server.port());
  check_same_answer(first, cp->send("POST", "/api/auth/register", "", respelt, key));
}

TEST_CASE("idempotent replay: a retried cart change or product update answers its first answer") {
  OrderlyServer server;
  HttpClient c = server.client();
  const Session ada = server.register_user("ada");
  const Session admin = server.admin();
  const std::string cup = product_id(c, "espresso");
  const std::string lamp = product_id(c, "lamp");

  // A keyed cart change, then another change without a key.
  const std::string add_cup = R"({"product_id":")" + cup + R"(","quantity":1})";
  const Headers cart_key = {{"Idempotency-Key", "ada-cart-1"}};
  const HttpResult first = c.send("POST", "/api/cart/items", ada.access_token, add_cup, cart_key);
  REQUIRE(first.status == 200);
  REQUIRE(c.send("POST", "/api/cart/items", ada.access_token,
                 R"({"product_id":")" + lamp + R"(","quantity":1})")
              .status == 200);
  // The retry is the first answer (one line), not the cart now (two lines).
  check_same_answer(first, c.send("POST", "/api/cart/items", ada.access_token,
                                  R"({ "quantity": 1, "product_id": ")" + cup + "\" }", cart_key));

  // A keyed price change, then another change: the retry shows the first.
  const Headers price_key = {{"Idempotency-Key", "admin-price-1"}};
  const HttpResult priced = c.send("PATCH", "/api/products/" + cup, admin.access_token,
                                   R"({"price_cents":1234})", price_key);
  REQUIRE(priced.status == 200);
  REQUIRE(c.send("PATCH", "/api/products/" + cup, admin.access_token, R"({"price_cents":1500})")
              .status == 200);
  check_same_answer(priced, c.send("PATCH", "/api/products/" + cup, admin.access_token,
                                   R"({"price_cents":1234})", price_key));
}
