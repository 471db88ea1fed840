// Writes the fuzz targets' seed corpora from the engine's own encoders, so
// every seed is a real input: events decided by the deciders and wrapped in
// envelopes and a log record, read-model and writer snapshots saved from the
// state those events build, requests with a token signed by sign_jwt.
//
//   build-fuzz/bin/orderly_fuzz_seeds tests/fuzz/corpus
//
// Deterministic: fixed ids and times, so re-running it rewrites the same files.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "api/auth/jwt.h"
#include "commands/decide.h"
#include "commands/shop_state_snapshot.h"
#include "eventstore/record.h"
#include "projections/registry.h"
#include "tests/fuzz/fixed_shop.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::fuzz;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSecret = "fuzz-secret-fuzz-secret-fuzz-secret!";  // as in the target

Uuid id(const char* text) {
  return *Uuid::parse(text);
}
// A second order (the fixed shop's ids are in tests/fuzz/fixed_shop.h).
const Uuid kOrder2 = id("0192f0c1-0000-7000-8000-00000000a002");

void write(const fs::path& file, std::string_view bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A short shop history: every event as an envelope, in log order.
struct History {
  ShopState state;
  std::vector<std::string> envelopes;
  std::map<std::string, uint64_t> versions;

  void run(const Command& c, const CommandMeta& meta) {
    EventSink sink;
    const Status st = decide(state, c, meta, sink);
    if (!st.is_ok()) {
      std::fprintf(stderr, "seed command refused: %s\n", st.to_string().c_str());
      return;
    }
    flatbuffers::FlatBufferBuilder fbb;
    for (size_t k = 0; k < sink.size(); ++k) {
      const auto& e = sink.event(k);
      apply(state, e.aggregate, e.id, e.type, sink.payload(k).data());
      EnvelopeFields f;
      f.type = e.type;
      f.stream = e.stream;
      f.version = ++versions[e.stream];
      f.position = envelopes.size() + 1;
      f.time_us = kNow + static_cast<TimestampUs>(envelopes.size()) * 1000;
      const std::string command_id = "cmd-" + std::to_string(envelopes.size());
      f.command_id = command_id;
      f.payload = sink.payload(k);
      build_envelope(fbb, f);
      envelopes.emplace_back(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
    }
  }
};

History shop_history() {
  History h;
  const auto admin = as(kAdmin, Role::kAdmin);
  const auto customer = as(kCustomer, Role::kCustomer);
  const auto engine = as(Uuid{}, Role::kEngine);
  h.run(RegisterUser{kCustomer, "ada", "ada@example.com",
                     "$argon2id$v=19$m=65536,t=2,p=1$c2VlZA$aGFzaA", "customer"},
        as(Uuid{}, Role::kCustomer));
  h.run(IssueRefreshToken{kCustomer, id("0192f0c1-0000-7000-8000-00000000e001"),
                          id("0192f0c1-0000-7000-8000-00000000e002"),
                          "0123456789abcdef0123456789abcdef", kNow + 3600'000'000LL},
        customer);
  h.run(CreateProduct{kProduct, "SKU-1", "Espresso cup", "Thick walls", "kitchen", "USD", 1250, 10},
        admin);
  h.run(CreateProduct{kSoldOut, "SKU-2", "Kettle", "", "kitchen", "USD", 4000, 1}, admin);
  h.run(UpdateProduct{kProduct, "Espresso cup, large", std::nullopt, std::nullopt, 1400}, admin);
  h.run(AddToCart{kSoldOut, 1}, customer);
  h.run(Checkout{kOrder2, "1 Main St", 15 * 60 * 1000000LL}, customer);
  h.run(PlaceOrder{kOrder, {{kProduct, 2}}, "1 Main St", 15 * 60 * 1000000LL}, customer);
  h.run(CreatePayment{kPayment, kOrder}, customer);
  h.run(ConfirmPayment{kPayment, "pm_card_ok"}, customer);
  h.run(RefundPayment{kPayment, 500}, admin);
  h.run(ChangeOrderStatus{kOrder, OrderStatus::kShipped}, admin);
  h.run(CancelOrder{kOrder2, "customer_request"}, customer);
  h.run(AddToCart{kProduct, 2}, customer);
  h.run(
      RequestNotification{kNotification, kCustomer, "email", "order_placed", "ada@example.com", 8},
      engine);
  h.run(RecordNotificationFailed{kNotification, "421 try later", true}, engine);
  h.run(
      RecordAnalytics{
          id("0192f0c1-0000-7000-8000-00000000f001"), {{kProduct, 3}}, {{"espresso cup", 2}}},
      engine);
  return h;
}

void event_seeds(const fs::path& dir, const History& h) {
  for (size_t i = 0; i < h.envelopes.size(); ++i) {
    std::vector<uint64_t> storage;
    const std::string& e = h.envelopes[i];
    auto ev = decode_event_copy({reinterpret_cast<const uint8_t*>(e.data()), e.size()}, storage);
    if (!ev.is_ok()) {
      std::fprintf(stderr, "seed event %zu does not decode\n", i);
      continue;
    }
    write(dir / (std::to_string(i + 1) + "-" + std::string(ev->type_name())), e);
  }
  eventstore::RecordBuilder record;
  record.reset(1);
  for (size_t i = 0; i < 3 && i < h.envelopes.size(); ++i)
    record.add({reinterpret_cast<const uint8_t*>(h.envelopes[i].data()), h.envelopes[i].size()});
  write(dir / "record-of-3", record.finish());
}

void snapshot_seeds(const fs::path& dir, const History& h) {
  auto models = projections::all_read_models();
  for (size_t m = 0; m < models.size(); ++m) {
    for (const auto& e : h.envelopes) {
      std::vector<uint64_t> storage;
      auto ev = decode_event_copy({reinterpret_cast<const uint8_t*>(e.data()), e.size()}, storage);
      models[m]->apply(*ev);
    }
    BinaryWriter out;
    models[m]->save(out);
    // The target's first byte chooses the model by its registry index.
    write(dir / std::string(models[m]->name()), std::string(1, static_cast<char>(m)) + out.take());
  }
  BinaryWriter out;
  save_state(h.state, out);
  write(dir / "writer-state", std::string(1, static_cast<char>(models.size())) + out.take());
}

std::string request(const std::string& head, const std::string& body = "") {
  std::string r = head;
  if (!body.empty())
    r +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

void http_seeds(const fs::path& dir) {
  api::auth::AccessClaims c{kCustomer.to_string(), "customer", kNow / 1000000,
                            kNow / 1000000 + 900};
  const std::string token = api::auth::sign_jwt(c, kSecret);
  const std::string order = kOrder.to_string(), product = kProduct.to_string();
  write(dir / "products-search",
        request("GET /api/products?q=espresso+cup&category=kitchen&min_price_cents=100&sort=-price"
                "&page=2&per_page=10 HTTP/1.1\r\nHost: localhost\r\n"));
  write(dir / "order-with-token",
        request("POST /api/orders HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token +
                    "\r\nIdempotency-Key: k-1\r\nX-Request-Id: r-1\r\n",
                R"({"items":[{"product_id":")" + product + R"(","quantity":2}]})"));
  write(dir / "order-status-admin", request("PUT /api/orders/" + order +
                                                "/status HTTP/1.1\r\nHost: localhost\r\n"
                                                "Authorization: Bearer " +
                                                token + "\r\nX-Min-Position: 42\r\n",
                                            R"({"status":"shipped"})"));
  write(
      dir / "websocket-upgrade",
      request(
          "GET /ws/notifications?access_token=" + token +
          "&scope=all HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
  write(dir / "admin-events",
        request("GET /api/admin/events?from_position=1&limit=50&stream=order-&type=order.placed "
                "HTTP/1.1\r\nHost: localhost\r\n"));
  write(dir / "pipelined",
        request("GET /health HTTP/1.1\r\nHost: a\r\n") +
            request("DELETE /api/products/" + product + " HTTP/1.1\r\nHost: a\r\n") +
            request("POST /api/auth/login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Type: application/json\r\n") +
            "1a\r\n{\"email\":\"a@b.c\",\"passw\r\n8\r\nord\":\"x\"}\r\n0\r\n\r\n");
  write(dir / "cors-preflight",
        request("OPTIONS /api/cart/items HTTP/1.1\r\nHost: a\r\nOrigin: http://localhost:5173\r\n"
                "Access-Control-Request-Method: POST\r\n"));
  write(dir / "inspect-at-time", request("GET /api/admin/inspect/order-" + order +
                                         "?at_time=2026-11-21T10%3A00%3A00Z HTTP/1.0\r\n"));
}

void json_seeds(const fs::path& dir) {
  const std::string product = kProduct.to_string(), order = kOrder.to_string();
  const std::map<std::string, std::string> seeds = {
      {"create-product",
       "POST /api/products\n"
       R"({"name":"Moka pot","description":"Three cups","price_cents":3500,"stock":5,)"
       R"("category":"kitchen","sku":"MOKA-3","currency":"EUR"})"},
      {"patch-product", "PATCH /api/products/{id}\n{\"name\":\"Cup\",\"price_cents\":999}"},
      {"stock-delta", "PUT /api/products/{id}/stock\n{\"delta\":-3}"},
      {"analytics-search",
       "POST /api/analytics/events\n{\"type\":\"search\",\"query\":\"  Espresso  CUP \"}"},
      {"analytics-view",
       "POST /api/analytics/events\n{\"type\":\"product_view\",\"product_id\":\"" + product +
           "\"}"},
      {"cart-add", "POST /api/cart/items\n{\"product_id\":\"" + product + "\",\"quantity\":3}"},
      {"cart-set", "PUT /api/cart/items/{product_id}\n{\"quantity\":0}"},
      {"checkout",
       "POST /api/cart/checkout\n{\"shipping_address\":\"1 Rue de la Paix\\n75002 Paris\"}"},
      {"place-order", "POST /api/orders\n{\"items\":[{\"product_id\":\"" + product +
                          "\",\"quantity\":2},{\"product_id\":\"0192f0c1-0000-7000-8000-"
                          "000000000002\",\"quantity\":1}],"
                          "\"shipping_address\":\"1 Main St\"}"},
      {"order-status", "PUT /api/orders/{id}/status\n{\"status\":\"confirmed\"}"},
      {"payment-create", "POST /api/payments\n{\"order_id\":\"" + order + "\"}"},
      {"payment-confirm", "POST /api/payments/{id}/confirm\n{\"payment_method\":\"pm_card_ok\"}"},
      {"payment-refund", "POST /api/payments/{id}/refund\n{\"amount_cents\":1000}"},
      {"payment-authenticate", "POST /api/payments/{id}/authenticate\n{\"result\":\"approve\"}"},
      {"payment-webhook-succeeded",
       "POST /api/payments/webhook\n{\"id\":\"evt_1\",\"type\":\"payment.succeeded\","
       "\"created\":1700000000,\"data\":{\"payment_id\":\"0192f0c1-0000-7000-8000-"
       "00000000b001\",\"amount_cents\":2500}}"},
      {"payment-webhook-refund",
       "POST /api/payments/webhook\n{\"id\":\"evt_2\",\"type\":\"refund.succeeded\","
       "\"created\":1700000000,\"data\":{\"payment_id\":\"0192f0c1-0000-7000-8000-"
       "00000000b001\",\"refund_id\":\"re_1\",\"amount_cents\":100,\"extra\":true}}"},
      {"payment-webhook-3ds",
       "POST /api/payments/webhook\n{\"id\":\"evt_3\",\"type\":\"payment.requires_action\","
       "\"created\":1700000000,\"data\":{\"payment_id\":\"0192f0c1-0000-7000-8000-"
       "00000000b001\",\"next_action_url\":\"https://pay.example/3ds/pi_1\"}}"},
      {"notification-outcome",
       "POST "
       "/api/admin/notifications/{id}/"
       "outcome\n{\"status\":\"failed\",\"error\":\"421\",\"will_retry\":true}"},
      {"user-deactivate", "POST /api/admin/users/{id}/deactivate\n{\"reason\":\"chargebacks\"}"},
      {"user-role", "PUT /api/admin/users/{id}/role\n{\"role\":\"admin\"}"},
      {"register",
       "POST "
       "/api/auth/"
       "register\n{\"username\":\"grace\",\"email\":\"Grace@Example.com\",\"password\":\"correct "
       "horse\"}"},
  };
  for (const auto& [name, text] : seeds)
    write(dir / name, text);
}

void replay_seeds(const fs::path& dir) {
  write(dir / "since-until", "2026-11-21T10:00:00Z\n2026-11-21T12:30:00.123456+02:00\n");
  write(dir / "types", "order.placed\nproduct.stock_changed\nanalytics.recorded\n");
  write(dir / "streams", "order-\norder-0192f0c1-0000-7000-8000-00000000a001\nuser-\n");
  write(dir / "times-edge",
        "1970-01-01 00:00:00z\n0000-01-01t00:00:00-23:59\n2024-02-29T23:59:60Z\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  const History h = shop_history();
  event_seeds(root / "event_decode", h);
  snapshot_seeds(root / "snapshot", h);
  http_seeds(root / "http_request");
  json_seeds(root / "api_json");
  replay_seeds(root / "replay_filter");
  std::printf("%zu events; seeds written under %s\n", h.envelopes.size(), root.c_str());
  return 0;
}
