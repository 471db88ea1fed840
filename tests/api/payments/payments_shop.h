// An `orderly serve` with signed payment webhooks beside the real provider
// simulator (ops/payment_simulator.py), for the tests of issue 23's "Done
// when" over HTTP: a customer, an admin, a product with plenty of stock,
// and the requests those tests make again and again.
//
// Inline mode: the engine decides cards itself; the simulator only sends
// webhooks (its control API). Provider mode: the engine is started first
// with --payment-provider-url naming a free port, then the simulator on
// that port with the engine's webhook URL; the engine's dispatcher posts
// intents and refunds to it and its webhooks come back. kProviderAway: the
// same engine, but its provider URL names a port nothing listens on (the
// dispatcher keeps retrying), so a card stays processing until the test
// sends the provider's webhooks itself through the simulator's control API.
//
// Thread safety: one thread drives it; clients for other threads come
// from client().
#pragma once

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "tests/api/payments/payment_simulator.h"
#include "tests/support/free_port.h"
#include "tests/support/http_client.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/session.h"
#include "tests/support/shop_requests.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace orderly::testing {

enum class PayMode { kInline, kProvider, kProviderAway };

inline const char* mode_name(PayMode m) {
  return m == PayMode::kInline ? "inline" : m == PayMode::kProvider ? "provider" : "provider away";
}

class PaymentsShop {
 public:
  static constexpr int64_t kPrice = 2500;
  // Generous: webhooks arrive after the simulator's delay, retries back off.
  static constexpr std::chrono::milliseconds kWait{30'000};

  explicit PaymentsShop(PayMode mode, std::vector<std::string> sim_flags = {"--delay-ms", "0:40"})
      : mode_(mode),
        sim_port_(free_port()),
        server_(engine_flags(mode, write_secret(dir_), sim_port_),
                OrderlyServer::Options{.log_file = "serve.log"}),
        sim_("http://127.0.0.1:" + std::to_string(server_.port()) + "/api/payments/webhook",
             std::move(sim_flags), sim_port_),
        c_(server_.client()) {
    admin = server_.admin();
    customer = server_.register_user("payer");
    auto made = create_product(c_, admin,
                               {.name = "Payment test kettle",
                                .sku = "PAY-KETTLE",
                                .description = "a kettle for the payment tests",
                                .category = "kitchen",
                                .price_cents = kPrice,
                                .stock = 100'000});
    REQUIRE_MESSAGE(made.status == 201, made.body);
    product = str(made.json().as_object().at("product"), "id");
  }

  PayMode mode() const { return mode_; }
  OrderlyServer& server() { return server_; }
  PaymentSimulator& sim() { return sim_; }
  HttpClient& c() { return c_; }
  HttpClient client() const { return server_.client(); }

  // A pending order of one unit of `product`, by `who` (the customer).
  std::string place_order(const Session* who = nullptr) {
    auto placed = order_one(c_, who ? *who : customer, product);
    REQUIRE_MESSAGE(placed.status == 201, placed.body);
    return str(placed.json().as_object().at("order"), "id");
  }
  std::string create_payment(const std::string& order_id, const Session* who = nullptr) {
    auto made = c_.send("POST", "/api/payments", (who ? *who : customer).access_token,
                        json::serialize(json::object{{"order_id", order_id}}));
    REQUIRE_MESSAGE(made.status == 201, made.body);
    return str(made.json().as_object().at("payment"), "id");
  }
  HttpResult confirm(const std::string& payment_id, const std::string& method) {
    return c_.send("POST", "/api/payments/" + payment_id + "/confirm", customer.access_token,
                   json::serialize(json::object{{"payment_method", method}}));
  }
  HttpResult refund(const std::string& payment_id, std::optional<int64_t> amount = {}) {
    return c_.send("POST", "/api/payments/" + payment_id + "/refund", admin.access_token,
                   amount ? json::serialize(json::object{{"amount_cents", *amount}}) : "");
  }
  HttpResult set_order_status(const std::string& order_id, const std::string& status,
                              bool cash_collected = false) {
    json::object body{{"status", status}};
    if (cash_collected)
      body["cash_collected"] = true;
    return c_.send("PUT", "/api/orders/" + order_id + "/status", admin.access_token,
                   json::serialize(body));
  }

  // X-Min-Position at the log's end: a query then answers from read models
  // that applied everything written so far (a command's answer waits for
  // its own read model only: the orders model may still lag a payment's).
  std::vector<std::pair<std::string, std::string>> caught_up() {
    return {{"X-Min-Position", std::to_string(log_position())}};
  }
  // GET /api/payments/{id} and /api/orders/{id} as the admin, caught up.
  json::object payment(const std::string& id) {
    auto got = c_.send("GET", "/api/payments/" + id, admin.access_token, "", caught_up());
    REQUIRE_MESSAGE(got.status == 200, got.body);
    return got.json().as_object().at("payment").as_object();
  }
  json::object order(const std::string& id) {
    auto got = c_.send("GET", "/api/orders/" + id, admin.access_token, "", caught_up());
    REQUIRE_MESSAGE(got.status == 200, got.body);
    return got.json().as_object().at("order").as_object();
  }
  std::string payment_status(const std::string& id) { return str(payment(id), "status"); }
  std::string order_status(const std::string& id) { return str(order(id), "status"); }
  bool wait_payment_status(const std::string& id, const std::string& status) {
    return poll_until([&] { return payment_status(id) == status; }, kWait,
                      std::chrono::milliseconds(20));
  }
  bool wait_order_status(const std::string& id, const std::string& status) {
    return poll_until([&] { return order_status(id) == status; }, kWait,
                      std::chrono::milliseconds(20));
  }

  // GET /health's log_position: the log's last position.
  int64_t log_position() {
    auto health = c_.request("GET", "/health");
    REQUIRE(health.status == 200);
    return num(health.json(), "log_position");
  }
  // Every event of the log (optionally of one stream) from
  // GET /api/admin/events, page after page.
  json::array events(const std::string& stream = "", int64_t from = 1) {
    json::array all;
    for (;;) {
      std::string target = "/api/admin/events?limit=1000&from_position=" + std::to_string(from);
      if (!stream.empty())
        target += "&stream=" + stream;
      auto page = c_.send("GET", target, admin.access_token);
      REQUIRE_MESSAGE(page.status == 200, page.body);
      const json::value answer = page.json();
      const auto& items = answer.as_object().at("items").as_array();
      if (items.empty())
        return all;
      for (const auto& e : items)
        all.push_back(e);
      from = num(answer, "next_position");
    }
  }
  // The types of the events after log position `position` that are about
  // payments or orders. (The log itself may move meanwhile: the engine
  // records its emails' outcomes on its own.)
  std::vector<std::string> money_events_after(int64_t position) {
    std::vector<std::string> types;
    for (const auto& e : events("", position + 1)) {
      const std::string type = str(e, "type");
      if (type.starts_with("payment.") || type.starts_with("order."))
        types.push_back(type + " in " + str(e, "stream"));
    }
    return types;
  }
  // The events of one payment's stream of `type`.
  json::array payment_events(const std::string& payment_id, const std::string& type) {
    json::array found;
    for (const auto& e : events("payment-" + payment_id)) {
      if (str(e, "type") == type)
        found.push_back(e);
    }
    return found;
  }
  // The outcomes of the webhooks recorded in a payment's stream, in order.
  std::vector<std::string> webhook_outcomes(const std::string& payment_id) {
    std::vector<std::string> outcomes;
    for (const auto& e : payment_events(payment_id, "payment.webhook_received"))
      outcomes.push_back(str(e.as_object().at("data"), "outcome"));
    return outcomes;
  }
  bool wait_webhooks(const std::string& payment_id, size_t count) {
    return poll_until([&] { return webhook_outcomes(payment_id).size() >= count; }, kWait,
                      std::chrono::milliseconds(20));
  }

  // POST /_control/webhook: the simulator sends one webhook now; its
  // answer {event_id, status, body, signature}.
  json::object control_webhook(const json::object& request) {
    auto sent = sim_.client().request("POST", "/_control/webhook", json::serialize(request),
                                      {{"Content-Type", "application/json"}});
    REQUIRE_MESSAGE(sent.status == 200, sent.body);
    return sent.json().as_object();
  }
  // A well-formed signed event of `type` for `payment_id` through the control API.
  json::object send_event(const std::string& type, json::object data, const std::string& id = "") {
    json::object request{{"type", type}, {"data", std::move(data)}};
    if (!id.empty())
      request["id"] = id;
    return control_webhook(request);
  }

  // The intents the simulator received for `payment_id` (the dispatcher's).
  json::array intents_of(const std::string& payment_id) {
    json::array found;
    for (const auto& i : sim_.control("intents")) {
      if (str(i, "payment_id") == payment_id)
        found.push_back(i);
    }
    return found;
  }
  // The simulator's intent id for the payment, once the dispatcher sent it.
  std::string wait_intent(const std::string& payment_id) {
    REQUIRE(poll_until([&] { return !intents_of(payment_id).empty(); }, kWait,
                       std::chrono::milliseconds(20)));
    return str(intents_of(payment_id)[0], "id");
  }
  // kProviderAway: the provider's refund.succeeded for every refund the
  // payment requested, sent now through the control API.
  void finish_refunds_by_webhook(const std::string& payment_id) {
    for (const auto& e : payment_events(payment_id, "payment.refund_requested")) {
      const auto& d = e.as_object().at("data");
      auto sent = send_event("refund.succeeded", {{"payment_id", payment_id},
                                                  {"refund_id", str(d, "refund_id")},
                                                  {"amount_cents", num(d, "amount_cents")}});
      REQUIRE(sent.at("status").to_number<int64_t>() == 200);
    }
  }
  // No refund asked of the provider is still waiting for its webhook.
  bool refunds_settled(const std::string& payment_id) {
    size_t waiting = payment_events(payment_id, "payment.refund_requested").size();
    waiting -= std::min(waiting, payment_events(payment_id, "payment.refund_failed").size());
    for (const auto& e : payment_events(payment_id, "payment.refunded")) {
      const std::string id = str(e.as_object().at("data"), "refund_id");
      for (const auto& r : payment_events(payment_id, "payment.refund_requested")) {
        if (str(r.as_object().at("data"), "refund_id") == id && waiting > 0)
          --waiting;
      }
    }
    return waiting == 0;
  }
  bool wait_refunds_settled(const std::string& payment_id) {
    return poll_until([&] { return refunds_settled(payment_id); }, kWait,
                      std::chrono::milliseconds(20));
  }

  Session admin, customer;
  std::string product;

 private:
  static std::string write_secret(const TempDir& dir) {
    const std::string file = dir.sub("webhook.secret");
    std::ofstream(file) << PaymentSimulator::kSecret << "\n";
    return file;
  }
  static std::vector<std::string> engine_flags(PayMode mode, const std::string& secret_file,
                                               uint16_t sim_port) {
    // No rate limits and no hold limits: the races and the mixed runs
    // send many requests and hold many unpaid orders of one customer.
    std::vector<std::string> flags = {
        "--payment-webhook-secret-file", secret_file, "--rate-limit-ip", "0", "--rate-limit-user",
        "0", "--hold-max-units", "0", "--hold-max-orders", "0", "--hold-max-cents", "0",
        // No emails: their records land in the log
        // while a test reads it (emails have
        // tests of their own).
        "--no-email-notifier"};
    if (mode != PayMode::kInline) {
      flags.push_back("--payment-provider-url");
      flags.push_back("http://127.0.0.1:" +
                      std::to_string(mode == PayMode::kProvider ? sim_port : free_port()));
    }
    return flags;
  }

  PayMode mode_;
  TempDir dir_;
  uint16_t sim_port_;
  OrderlyServer server_;
  PaymentSimulator sim_;
  HttpClient c_;
};

}  // namespace orderly::testing
