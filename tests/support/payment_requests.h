// Requests the payment tests make of a running server: ordering, making and
// confirming a payment, reading it, and the provider's signed webhooks
// (api/payments/webhook_signature.h signs them as a provider would, with
// the secret the server was given by --payment-webhook-secret-file).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "api/payments/webhook_signature.h"
#include "core/clock.h"
#include "tests/support/http_client.h"
#include "tests/support/json_fields.h"
#include "tests/support/session.h"
#include "tests/support/temp_dir.h"

namespace orderly::testing {

inline constexpr const char* kWebhookSecret = "whsec_test_secret_of_the_payment_tests";

// A --payment-webhook-secret-file holding kWebhookSecret, in `dir`.
inline std::string webhook_secret_file(const TempDir& dir) {
  const std::string path = dir.sub("webhook-secret");
  std::ofstream(path) << kWebhookSecret << "\n";
  return path;
}

// POST /api/orders of `quantity` of `product` as `who`: the order's id.
inline std::string place_order(HttpClient& c, const Session& who, const std::string& product,
                               int quantity = 1) {
  auto r = c.send("POST", "/api/orders", who.access_token,
                  R"({"items":[{"product_id":")" + product + R"(","quantity":)" +
                      std::to_string(quantity) + "}]}");
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return str(r.json().as_object().at("order"), "id");
}

// POST /api/payments for `order` as `who`: the payment's id.
inline std::string make_payment(HttpClient& c, const Session& who, const std::string& order) {
  auto r = c.send("POST", "/api/payments", who.access_token, R"({"order_id":")" + order + R"("})");
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return str(r.json().as_object().at("payment"), "id");
}

// POST /api/payments/{id}/confirm with `method`: the payment as answered.
inline json::object confirm_payment(HttpClient& c, const Session& who, const std::string& payment,
                                    const std::string& method) {
  auto r = c.send("POST", "/api/payments/" + payment + "/confirm", who.access_token,
                  R"({"payment_method":")" + method + R"("})");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return r.json().as_object().at("payment").as_object();
}

// GET /api/payments/{id} as `who`.
inline json::object get_payment(HttpClient& c, const Session& who, const std::string& payment) {
  auto r = c.send("GET", "/api/payments/" + payment, who.access_token);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return r.json().as_object().at("payment").as_object();
}

// POST /api/payments/webhook of `event` (the provider's JSON), signed now.
inline HttpResult post_webhook(HttpClient& c, const json::object& event) {
  const std::string body = json::serialize(event);
  const int64_t t = now_us() / 1'000'000;
  return c.request(
      "POST", "/api/payments/webhook", body,
      {{"Content-Type", "application/json"},
       {"Orderly-Signature", api::payments::signature_header_value({kWebhookSecret}, t, body)}});
}

// A provider event: {id, type, created, data: {payment_id, amount_cents, ...}}.
inline json::object provider_event(const std::string& id, const std::string& type,
                                   const std::string& payment, int64_t amount_cents,
                                   json::object extra = {}) {
  json::object data{{"payment_id", payment}, {"amount_cents", amount_cents}};
  for (auto& [k, v] : extra)
    data[k] = v;
  return {{"id", id}, {"type", type}, {"created", now_us() / 1'000'000}, {"data", std::move(data)}};
}

}  // namespace orderly::testing
