// /ws/notifications: authenticated, per-user pushes (never another user's),
// admins' scope=all, refusals before the upgrade.
#include <doctest/doctest.h>

#include <thread>

#include "tests/api/shop_steps.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_notifier.h"
#include "tests/support/orderly_server.h"
#include "tests/support/services.h"
#include "tests/support/shop_requests.h"

using namespace orderly::testing;

namespace {

// Reads messages until one has `type` (or the time is up).
std::optional<json::value> wait_for(WsClient& ws, const std::string& type) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = ws.read(std::chrono::seconds(5));
    if (!m)
      continue;
    auto v = json::parse(*m);
    if (str(v, "type") == type)
      return v;
  }
  return std::nullopt;
}

// Refusals every feed gives (no token, a forged one, scope=all for a
// customer), then Ada's, Bob's and the admin's feeds open on `port` (the
// engine's or `orderly notify websocket`'s).
struct Feeds {
  WsClient ada, bob, all;
  Feeds(uint16_t port, const Session& a, const Session& b, const Session& admin)
      : ada(port, "/ws/notifications?access_token=" + a.access_token),
        bob(port, "/ws/notifications", {{"Authorization", "Bearer " + b.access_token}}),
        all(port, "/ws/notifications?scope=all&access_token=" + admin.access_token) {}
};
std::unique_ptr<Feeds> open_feeds(uint16_t port, const Session& ada, const Session& bob,
                                  const Session& admin) {
  CHECK(WsClient(port, "/ws/notifications").status() == 401);
  CHECK(WsClient(port, "/ws/notifications?access_token=nonsense").status() == 401);
  CHECK(WsClient(port, "/ws/notifications?scope=all&access_token=" + ada.access_token).status() ==
        403);
  auto feeds = std::make_unique<Feeds>(port, ada, bob, admin);
  REQUIRE(feeds->ada.status() == 101);
  REQUIRE(feeds->bob.status() == 101);
  REQUIRE(feeds->all.status() == 101);
  return feeds;
}

// Ada orders a cup and the admin confirms it: her feed shows the order
// created (pending, with its position), then confirmed. The order's id.
std::string order_and_confirm(HttpClient& c, const Session& ada, const Session& admin,
                              WsClient& ada_ws) {
  const std::string cup = product_id(c, "espresso");
  auto placed = order_one(c, ada, cup);
  REQUIRE(placed.status == 201);
  const std::string order = str(placed.json().as_object().at("order"), "id");
  auto created = wait_for(ada_ws, "order.created");
  REQUIRE(created);
  CHECK(str(*created, "order_id") == order);
  CHECK(str(*created, "status") == "pending");
  CHECK(num(*created, "position") > 0);
  REQUIRE(c.send("PUT", "/api/orders/" + order + "/status", admin.access_token,
                 R"({"status":"confirmed"})")
              .status == 200);
  auto changed = wait_for(ada_ws, "order.status_changed");
  REQUIRE(changed);
  CHECK(str(*changed, "status") == "confirmed");
  CHECK(str(*changed, "order_id") == order);
  return order;
}

}  // namespace

TEST_CASE("websocket: a customer sees their order change status live, and only theirs") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  Session bob = server.register_user("bob");
  Session admin = server.admin();

  auto feeds = open_feeds(server.port(), ada, bob, admin);
  WsClient& ada_ws = feeds->ada;
  WsClient& bob_ws = feeds->bob;
  WsClient& all_ws = feeds->all;
  (void)order_and_confirm(c, ada, admin, ada_ws);

  auto metrics = c.request("GET", "/metrics");
  const size_t at = metrics.body.find("\norderly_websocket_clients ");
  REQUIRE(at != std::string::npos);
  CHECK(metrics.body.substr(at + 1, 27) == "orderly_websocket_clients 3");

  // The admin's scope=all feed saw both; Bob saw nothing of Ada's.
  CHECK(wait_for(all_ws, "order.status_changed"));
  CHECK_FALSE(bob_ws.read(std::chrono::milliseconds(500)).has_value());

  // SIGTERM with feeds open: they are told (1001) and the server exits cleanly.
  CHECK(server.stop() == 0);
  while (ada_ws.read(std::chrono::seconds(5))) {
  }
  CHECK(ada_ws.close_code() == 1001);
}

TEST_CASE("websocket: a client that stops reading is dropped with 1008, the server carries on") {
  // One customer places 1,600 unpaid orders: no hold limits.
  OrderlyServer server({"--rate-limit-ip", "0", "--rate-limit-user", "0", "--hold-max-units", "0",
                        "--hold-max-orders", "0", "--hold-max-cents", "0"});
  Session admin = server.admin();
  Session ada = server.register_user("ada");
  HttpClient c = server.client();
  // Reads nothing while the shop is busy, through a tiny receive buffer.
  WsClient slow(server.port(), "/ws/notifications?scope=all&access_token=" + admin.access_token, {},
                4096);
  REQUIRE(slow.status() == 101);
  const std::string cup = product_id(c, "espresso");
  set_stock(c, admin, cup, 1'000'000);
  place_orders_at_once(server.port(), ada, cup, 4, 400);
  // Now read: what was buffered arrives, then the close frame.
  int messages = 0;
  while (slow.read(std::chrono::seconds(10)))
    ++messages;
  MESSAGE("messages read before the close: " << messages);
  CHECK(slow.close_code() == 1008);
  CHECK(messages < 1601);  // it did not get everything: it was cut off
  // A fresh client still works.
  WsClient fresh(server.port(), "/ws/notifications?access_token=" + ada.access_token);
  CHECK(fresh.status() == 101);
  CHECK(c.request("GET", "/health").status == 200);
}

TEST_CASE("websocket: with --nats-url the feed comes through JetStream, and the fan-out reports") {
  TempDir nats_dir;
  NatsServer nats(nats_dir.sub("nats"));
  OrderlyServer server({"--nats-url", nats.url()});
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  WsClient ws(server.port(), "/ws/notifications?access_token=" + ada.access_token);
  REQUIRE(ws.status() == 101);
  const std::string cup = product_id(c, "espresso");
  auto placed = order_one(c, ada, cup);
  REQUIRE(placed.status == 201);
  auto created = wait_for(ws, "order.created");
  REQUIRE(created);
  CHECK(str(*created, "order_id") == str(placed.json().as_object().at("order"), "id"));
  auto metrics = c.request("GET", "/metrics");
  CHECK(metrics.body.find("orderly_fanout_connected 1") != std::string::npos);
  CHECK(metrics.body.find("orderly_websocket_feed_from_nats 1") != std::string::npos);
  CHECK(server.stop() == 0);
}

TEST_CASE("notify websocket: as its own process, a customer's order changes reach them only") {
  TempDir nats_dir;
  NatsServer nats(nats_dir.sub("nats"));
  OrderlyServer server({"--nats-url", nats.url()});
  NotifierUnderTest feed(server, "websocket", nats.url(), {"--http-address", "127.0.0.1:0"});
  REQUIRE(feed.port != 0);
  HttpClient c = server.client();
  HttpClient feed_http(feed.port);
  REQUIRE(feed.wait_subscribed());  // subscribed to JetStream
  CHECK(feed_http.request("GET", "/api/orders").status == 404);

  Session ada = server.register_user("ada");
  Session bob = server.register_user("bob");
  Session admin = server.admin();
  // Tokens are checked by the engine; a token with a line break would be a
  // header injected into that call.
  CHECK(WsClient(feed.port,
                 "/ws/notifications?access_token=" + ada.access_token + "%0D%0AX-Injected:%201")
            .status() == 401);
  auto feeds = open_feeds(feed.port, ada, bob, admin);
  WsClient& ada_ws = feeds->ada;
  WsClient& bob_ws = feeds->bob;
  WsClient& all_ws = feeds->all;
  (void)order_and_confirm(c, ada, admin, ada_ws);

  CHECK(wait_for(all_ws, "order.status_changed"));
  CHECK_FALSE(bob_ws.read(std::chrono::milliseconds(500)).has_value());

  // SIGTERM: clients are told (1001) and it exits cleanly.
  CHECK(feed.stop() == 0);
  while (ada_ws.read(std::chrono::seconds(5))) {
  }
  CHECK(ada_ws.close_code() == 1001);
}
