#include "tests/security/victim.h"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "tests/security/checks.h"

namespace orderly::testing {

namespace {

json::value expect_json(const HttpResult& r, int status, const std::string& what) {
  if (r.status != status) {
    throw std::runtime_error(what + ": " + std::to_string(r.status) + " " + r.body);
  }
  return r.json();
}

}  // namespace

Victim make_victim(const OrderlyServer& server) {
  HttpClient c = server.client();
  Victim a;
  a.ids.email = "alice@example.com";
  a.ids.password = "alice-password-1";
  auto reg =
      c.send("POST", "/api/auth/register", "",
             R"({"username":"alice","email":"alice@example.com","password":"alice-password-1"})");
  a.session = session_of(reg);
  a.ids.user = a.session.id;
  a.ids.refresh_token = a.session.refresh_token;
  a.ids.spare_refresh_token = server.login(a.ids.email, a.ids.password).refresh_token;
  const std::string& token = a.session.access_token;

  const std::string cup = product_id(c, "espresso");
  a.ids.product = product_id(c, "moka");
  expect_json(c.send("POST", "/api/cart/items", token,
                     R"({"product_id":")" + a.ids.product + R"(","quantity":2})"),
              200, "cart");

  a.order_body = R"({"items":[{"product_id":")" + cup + R"(","quantity":1}]})";
  a.idempotency_key = "alice-order-1";
  auto placed =
      c.send("POST", "/api/orders", token, a.order_body, {{"Idempotency-Key", a.idempotency_key}});
  a.ids.pending_order = str(expect_json(placed, 201, "order").as_object().at("order"), "id");
  a.ids.order_position = std::stoull(placed.header("x-log-position"));
  auto pay =
      c.send("POST", "/api/payments", token, R"({"order_id":")" + a.ids.pending_order + R"("})");
  a.ids.pending_payment = str(expect_json(pay, 201, "payment").as_object().at("payment"), "id");

  auto second = c.send("POST", "/api/orders", token, a.order_body);
  a.ids.paid_order = str(expect_json(second, 201, "order").as_object().at("order"), "id");
  auto pay2 =
      c.send("POST", "/api/payments", token, R"({"order_id":")" + a.ids.paid_order + R"("})");
  a.ids.paid_payment = str(expect_json(pay2, 201, "payment").as_object().at("payment"), "id");
  expect_json(c.send("POST", "/api/payments/" + a.ids.paid_payment + "/confirm", token,
                     R"({"payment_method":"pm_card_ok"})"),
              200, "confirm");

  // Her five emails (the registration's verification link, two orders
  // placed, a payment, a confirmation) are recorded by the in-process
  // notifier and sent to the outbox: wait until they have all settled, so
  // her notifications hold still from here on.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    auto list = c.send("GET", "/api/notifications", token);
    const json::value listed = list.json();
    const auto& items = listed.as_object().at("items").as_array();
    bool settled = items.size() == 5;
    for (const auto& n : items)
      settled = settled && str(n, "status") != "pending";
    if (settled) {
      a.ids.notification = str(items[0], "id");
      break;
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("alice's notifications did not settle: " + list.body);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return a;
}

std::string victim_view(const OrderlyServer& server, const Victim& a) {
  HttpClient c = server.client();
  const std::string position =
      std::to_string(num(c.request("GET", "/health").json(), "log_position"));
  const std::vector<std::pair<std::string, std::string>> fresh = {{"X-Min-Position", position}};
  const std::string& token = a.session.access_token;
  std::string view;
  for (const std::string& target :
       {"/api/orders/" + a.ids.pending_order, "/api/orders/" + a.ids.paid_order,
        "/api/payments/" + a.ids.pending_payment, "/api/payments/" + a.ids.paid_payment,
        std::string("/api/orders"), std::string("/api/orders/stats"), std::string("/api/cart"),
        std::string("/api/notifications"), std::string("/api/auth/me")}) {
    auto r = c.send("GET", target, token, "", fresh);
    view += target + " " + std::to_string(r.status) + " " + r.body + "\n";
  }
  // Reserved and available move with anyone's orders; the rest is the admin's.
  auto product = c.request("GET", "/api/products/" + a.ids.product, "", fresh);
  const auto p = product.json().as_object().at("product");
  view += "product " + str(p, "name") + " " + std::to_string(num(p, "price_cents")) + " " +
          std::to_string(num(p, "stock")) + " " + str(p, "status") + "\n";
  return view;
}

}  // namespace orderly::testing
