// The API's surface over real sockets (issue 18): Location on every 201,
// WWW-Authenticate on every 401, X-Request-Id on the WebSocket's 101,
// /health's service and time, If-Match / ETag with version_conflict, and
// the order's shipping address (also across a restart and a verified rebuild).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <regex>
#include <thread>

#include "tests/api/shop_steps.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_notifier.h"
#include "tests/support/orderly_server.h"
#include "tests/support/problem.h"
#include "tests/support/services.h"
#include "tests/support/shop_requests.h"

using namespace orderly::testing;

namespace {

std::string quoted(int64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

// The version part of a GET's ETag, quoted: "3-<digest of the body>" is
// "3" (api/rest/conditional_get.h); a command's ETag is the version alone.
std::string version_tag(const std::string& etag) {
  const size_t dash = etag.find('-');
  return dash == std::string::npos ? etag : etag.substr(0, dash) + "\"";
}

json::value member(const HttpResult& r, std::string_view key) {
  return r.json().as_object().at(key);
}

// How many events a stream has in the log (the admin's event query).
size_t stream_events(HttpClient& c, const std::string& admin_token, const std::string& stream) {
  auto r = c.send("GET", "/api/admin/events?limit=1000&stream=" + stream, admin_token);
  REQUIRE(r.status == 200);
  return r.json().as_object().at("items").as_array().size();
}

HttpResult with_if_match(HttpClient& c, const std::string& method, const std::string& target,
                         const std::string& token, const std::string& body,
                         const std::string& if_match) {
  return c.send(method, target, token, body, {{"If-Match", if_match}});
}

// The 101 (or refusal) of a WebSocket upgrade, as raw header text: read up
// to the blank line (or 10 s), over a plain socket, since an accepted
// WebSocket stays open.
std::string upgrade(uint16_t port, const std::string& target, const std::string& extra_headers) {
  const std::string req = "GET " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
                          "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
                          extra_headers + "\r\n";
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (answer.find("\r\n\r\n") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0)
        continue;
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0)
        break;
      answer.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return answer.substr(0, answer.find("\r\n\r\n") + 2);  // with the last line's CRLF
}

}  // namespace

TEST_CASE("surface: every 201 names the new resource in Location") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();

  auto registered =
      c.send("POST", "/api/auth/register", "",
             R"({"username":"ada","email":"ada@example.com","password":"password-1"})");
  REQUIRE(registered.status == 201);
  CHECK(registered.header("location") == "/api/auth/me");
  const std::string ada = str(member(registered, "user"), "id");
  const std::string token = str(registered.json(), "access_token");

  auto product = c.send("POST", "/api/products", admin.access_token,
                        R"({"name":"Tea tin","description":"Airtight","price_cents":900,)"
                        R"("stock":10,"category":"kitchen"})");
  REQUIRE(product.status == 201);
  const std::string product_id = str(member(product, "product"), "id");
  CHECK(product.header("location") == "/api/products/" + product_id);
  CHECK(c.request("GET", product.header("location")).status == 200);

  auto order = c.send("POST", "/api/orders", token,
                      R"({"items":[{"product_id":")" + product_id + R"(","quantity":1}]})");
  REQUIRE(order.status == 201);
  const std::string order_id = str(member(order, "order"), "id");
  CHECK(order.header("location") == "/api/orders/" + order_id);
  CHECK(c.send("GET", order.header("location"), token).status == 200);

  REQUIRE(c.send("POST", "/api/cart/items", token,
                 R"({"product_id":")" + product_id + R"(","quantity":1})")
              .status == 200);
  auto checkout = c.send("POST", "/api/cart/checkout", token);
  REQUIRE(checkout.status == 201);
  CHECK(checkout.header("location") == "/api/orders/" + str(member(checkout, "order"), "id"));

  auto payment = c.send("POST", "/api/payments", token, R"({"order_id":")" + order_id + R"("})");
  REQUIRE(payment.status == 201);
  CHECK(payment.header("location") == "/api/payments/" + str(member(payment, "payment"), "id"));
  CHECK(c.send("GET", payment.header("location"), token).status == 200);
  (void)ada;
}

TEST_CASE("surface: the notifier's 201 (an email request recorded) names it in Location") {
  OrderlyServer server({"--no-email-notifier"});
  HttpClient c = server.client();
  Session admin = server.admin();
  Session ada = server.register_user("ada");
  auto order = order_one(c, ada, first_product(c, "espresso"));
  REQUIRE(order.status == 201);
  auto requested = c.send("POST", "/api/admin/notifications", admin.access_token,
                          R"({"source_position":)" + order.header("x-log-position") + "}");
  REQUIRE(requested.status == 201);
  const std::string id = str(requested.json(), "notification_id");
  CHECK(requested.header("location") == "/api/admin/notifications/" + id);
  CHECK(c.send("GET", requested.header("location"), admin.access_token).status == 200);
}

TEST_CASE("surface: every 401 carries WWW-Authenticate: Bearer") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");

  // No token: the scheme alone.
  auto none = c.send("GET", "/api/orders", "");
  REQUIRE(none.status == 401);
  CHECK(none.header("www-authenticate") == "Bearer");

  // A token that was sent and refused: invalid_token.
  std::string tampered = ada.access_token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  auto refused = c.send("GET", "/api/orders", tampered);
  REQUIRE(refused.status == 401);
  CHECK(refused.header("www-authenticate") == R"(Bearer error="invalid_token")");
  CHECK(code_of(refused) == "unauthorized");

  // Another scheme than Bearer.
  auto basic = c.request("GET", "/api/orders", "", {{"Authorization", "Basic YWRhOnB3"}});
  REQUIRE(basic.status == 401);
  CHECK(basic.header("www-authenticate").starts_with("Bearer"));

  // 401s from the handlers (a wrong password, a bad refresh token) too.
  auto wrong = c.send("POST", "/api/auth/login", "",
                      R"({"email":"ada@example.com","password":"not-her-password"})");
  REQUIRE(wrong.status == 401);
  CHECK(wrong.header("www-authenticate") == "Bearer");
  auto refresh = c.send("POST", "/api/auth/refresh", "", R"({"refresh_token":"nonsense"})");
  REQUIRE(refresh.status == 401);
  CHECK(refresh.header("www-authenticate").starts_with("Bearer"));

  // A refused WebSocket upgrade says so too, and is traceable.
  const std::string ws = upgrade(server.port(), "/ws/notifications?access_token=nonsense", "");
  CHECK(ws.starts_with("HTTP/1.1 401"));
  CHECK(ws.find("WWW-Authenticate: Bearer error=\"invalid_token\"") != std::string::npos);
  CHECK(ws.find("X-Request-Id: ") != std::string::npos);
  const std::string ws_none = upgrade(server.port(), "/ws/notifications", "");
  CHECK(ws_none.starts_with("HTTP/1.1 401"));
  CHECK(ws_none.find("WWW-Authenticate: Bearer\r\n") != std::string::npos);
}

TEST_CASE("surface: the WebSocket's 101 carries X-Request-Id, echoed when sent") {
  OrderlyServer server;
  Session ada = server.register_user("ada");
  const std::string target = "/ws/notifications?access_token=" + ada.access_token;

  const std::string echoed = upgrade(server.port(), target, "X-Request-Id: trace-ws-7\r\n");
  INFO(echoed);
  REQUIRE(echoed.starts_with("HTTP/1.1 101"));
  CHECK(echoed.find("X-Request-Id: trace-ws-7\r\n") != std::string::npos);

  const std::string made = upgrade(server.port(), target, "");
  REQUIRE(made.starts_with("HTTP/1.1 101"));
  CHECK(made.find("X-Request-Id: ") != std::string::npos);
}

TEST_CASE("surface: `orderly notify websocket` answers the same headers") {
  TempDir nats_dir;
  NatsServer nats(nats_dir.sub("nats"));
  OrderlyServer server({"--nats-url", nats.url()});
  NotifierUnderTest feed(server, "websocket", nats.url(), {"--http-address", "127.0.0.1:0"});
  REQUIRE(feed.port != 0);
  Session ada = server.register_user("ada");

  const std::string ok = upgrade(feed.port, "/ws/notifications?access_token=" + ada.access_token,
                                 "X-Request-Id: trace-feed-1\r\n");
  INFO(ok);
  CHECK(ok.starts_with("HTTP/1.1 101"));
  CHECK(ok.find("X-Request-Id: trace-feed-1\r\n") != std::string::npos);
  const std::string refused = upgrade(feed.port, "/ws/notifications?access_token=nonsense", "");
  CHECK(refused.starts_with("HTTP/1.1 401"));
  CHECK(refused.find("WWW-Authenticate: Bearer error=\"invalid_token\"") != std::string::npos);
  CHECK(refused.find("X-Request-Id: ") != std::string::npos);
  HttpClient feed_http(feed.port);
  CHECK(!feed_http.request("GET", "/health").header("x-request-id").empty());
}

TEST_CASE("surface: /health names the service and the time") {
  OrderlyServer server;
  HttpClient c = server.client();
  auto health = c.request("GET", "/health");
  REQUIRE(health.status == 200);
  const json::value body = health.json();
  const auto& o = body.as_object();
  CHECK(str(o, "status") == "ok");
  CHECK(o.contains("version"));
  CHECK(o.contains("log_position"));
  CHECK(o.contains("uptime_s"));
  REQUIRE(o.contains("service"));
  CHECK(str(o, "service") == "orderly");
  REQUIRE(o.contains("time"));
  const std::string time = str(o, "time");
  CHECK(std::regex_match(time, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
  // The server's clock, in UTC: today's date (the day before or after the
  // request, should it straddle midnight).
  auto day = [](std::time_t t) {
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", std::gmtime(&t));
    return std::string(text);
  };
  const std::time_t now = std::time(nullptr);
  CHECK((time.substr(0, 10) == day(now) || time.substr(0, 10) == day(now - 60)));
}

TEST_CASE("surface: product changes honour If-Match and answer ETag") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  const std::string id = first_product(c, "espresso");
  const std::string path = "/api/products/" + id;

  auto got = c.request("GET", path);
  REQUIRE(got.status == 200);
  const int64_t v1 = num(member(got, "product"), "version");
  CHECK(version_tag(got.header("etag")) == quoted(v1));

  // The current version: applied, with the new version as ETag and in the body.
  auto patched = with_if_match(c, "PATCH", path, admin.access_token, R"({"name":"Espresso mug"})",
                               got.header("etag"));
  REQUIRE(patched.status == 200);
  const int64_t v2 = num(member(patched, "product"), "version");
  CHECK(v2 > v1);
  CHECK(patched.header("etag") == quoted(v2));

  // A stale one: 409 naming the current version, and nothing appended.
  const size_t before = stream_events(c, admin.access_token, "product-" + id);
  REQUIRE(before == static_cast<size_t>(v2));
  auto stale =
      with_if_match(c, "PATCH", path, admin.access_token, R"({"name":"Lost update"})", quoted(v1));
  REQUIRE(stale.status == 409);
  CHECK(code_of(stale) == "version_conflict");
  CHECK(stale.header("content-type") == "application/problem+json");
  CHECK(num(stale.json(), "current_version") == v2);
  CHECK(str(stale.json(), "detail").find(std::to_string(v2)) != std::string::npos);
  CHECK(stream_events(c, admin.access_token, "product-" + id) == before);
  auto unchanged = c.request("GET", path);
  CHECK(str(member(unchanged, "product"), "name") == "Espresso mug");
  CHECK(version_tag(unchanged.header("etag")) == quoted(v2));

  // A bare number and * are accepted; malformed values are refused.
  auto bare = with_if_match(c, "PATCH", path, admin.access_token, R"({"price_cents":1300})",
                            std::to_string(v2));
  REQUIRE(bare.status == 200);
  const int64_t v3 = num(member(bare, "product"), "version");
  CHECK(bare.header("etag") == quoted(v3));
  auto any = with_if_match(c, "PATCH", path, admin.access_token, R"({"category":"kitchen"})", "*");
  REQUIRE(any.status == 200);
  const int64_t v4 = num(member(any, "product"), "version");
  for (const std::string bad : {"abc", "\"3", "W/\"3\"", "\"-1\"", "\"1\", \"2\""}) {
    auto r = with_if_match(c, "PATCH", path, admin.access_token, R"({"name":"x"})", bad);
    CHECK_MESSAGE((r.status == 400 || r.status == 422), bad);
    CHECK_MESSAGE(code_of(r) == "validation_failed", bad);
  }
  // Without If-Match, as before: last writer wins.
  auto plain = c.send("PATCH", path, admin.access_token, R"({"description":"Thick walls"})");
  REQUIRE(plain.status == 200);
  const int64_t v5 = num(member(plain, "product"), "version");
  CHECK(v5 > v4);
  CHECK(plain.header("etag") == quoted(v5));

  // Stock: stale refused, current applied.
  auto stock_stale =
      with_if_match(c, "PUT", path + "/stock", admin.access_token, R"({"stock":50})", quoted(v4));
  REQUIRE(stock_stale.status == 409);
  CHECK(num(stock_stale.json(), "current_version") == v5);
  auto stock =
      with_if_match(c, "PUT", path + "/stock", admin.access_token, R"({"delta":5})", quoted(v5));
  REQUIRE(stock.status == 200);
  const int64_t v6 = num(member(stock, "product"), "version");
  CHECK(stock.header("etag") == quoted(v6));

  // Discontinuing: stale refused (still active), current applied.
  auto delete_stale = with_if_match(c, "DELETE", path, admin.access_token, "", quoted(v5));
  REQUIRE(delete_stale.status == 409);
  CHECK(code_of(delete_stale) == "version_conflict");
  CHECK(str(member(c.request("GET", path), "product"), "status") == "active");
  auto deleted = with_if_match(c, "DELETE", path, admin.access_token, "", quoted(v6));
  REQUIRE(deleted.status == 204);
  auto after = c.request("GET", path, "", {{"X-Min-Position", deleted.header("x-log-position")}});
  CHECK(str(member(after, "product"), "status") == "discontinued");
  CHECK(deleted.header("etag") == version_tag(after.header("etag")));
  CHECK(version_tag(after.header("etag")) == quoted(num(member(after, "product"), "version")));
}

TEST_CASE("surface: concurrent changes with one If-Match: exactly one wins") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  const std::string path = "/api/products/" + first_product(c, "moka");
  const std::string etag = c.request("GET", path).header("etag");
  REQUIRE(!etag.empty());

  // Decided by the single writer against its state: a check against the
  // read model would let several through before it caught up.
  constexpr int kClients = 8;
  std::atomic<int> ok{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      HttpClient mine(server.port());
      auto r = with_if_match(mine, "PUT", path + "/stock", admin.access_token,
                             R"({"stock":)" + std::to_string(100 + i) + "}", etag);
      if (r.status == 200)
        ++ok;
      else if (r.status == 409 && code_of(r) == "version_conflict")
        ++conflicts;
      else
        ++other;
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(ok.load() == 1);
  CHECK(conflicts.load() == kClients - 1);
  CHECK(other.load() == 0);
}

TEST_CASE("surface: order status changes honour If-Match and answer ETag") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  Session ada = server.register_user("ada");
  const std::string cup = first_product(c, "espresso");

  auto placed = order_one(c, ada, cup);
  REQUIRE(placed.status == 201);
  const std::string id = str(member(placed, "order"), "id");
  const std::string path = "/api/orders/" + id;
  const int64_t v1 = num(member(placed, "order"), "version");
  CHECK(placed.header("etag") == quoted(v1));
  auto got = c.send("GET", path, ada.access_token);
  REQUIRE(got.status == 200);
  CHECK(version_tag(got.header("etag")) == quoted(v1));

  const size_t before = stream_events(c, admin.access_token, "order-" + id);
  REQUIRE(before == static_cast<size_t>(v1));
  auto stale = with_if_match(c, "PUT", path + "/status", admin.access_token,
                             R"({"status":"confirmed"})", quoted(v1 + 5));
  REQUIRE(stale.status == 409);
  CHECK(code_of(stale) == "version_conflict");
  CHECK(num(stale.json(), "current_version") == v1);
  CHECK(stream_events(c, admin.access_token, "order-" + id) == before);
  CHECK(str(member(c.send("GET", path, ada.access_token), "order"), "status") == "pending");

  auto confirmed = with_if_match(c, "PUT", path + "/status", admin.access_token,
                                 R"({"status":"confirmed"})", quoted(v1));
  REQUIRE(confirmed.status == 200);
  const int64_t v2 = num(member(confirmed, "order"), "version");
  CHECK(v2 == v1 + 1);
  CHECK(confirmed.header("etag") == quoted(v2));

  // Cancelling with the version before the confirmation: refused.
  auto cancel_stale = with_if_match(c, "POST", path + "/cancel", ada.access_token, "", quoted(v1));
  REQUIRE(cancel_stale.status == 409);
  CHECK(num(cancel_stale.json(), "current_version") == v2);
  CHECK(str(member(c.send("GET", path, ada.access_token), "order"), "status") == "confirmed");
  auto malformed = with_if_match(c, "POST", path + "/cancel", ada.access_token, "", "soon");
  CHECK(code_of(malformed) == "validation_failed");
  auto cancelled =
      with_if_match(c, "POST", path + "/cancel", ada.access_token, "", std::to_string(v2));
  REQUIRE(cancelled.status == 200);
  CHECK(str(member(cancelled, "order"), "status") == "cancelled");
  CHECK(cancelled.header("etag") == quoted(num(member(cancelled, "order"), "version")));
}

TEST_CASE("surface: an order shows its shipping address, also after a restart and a rebuild") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  const std::string cup = first_product(c, "espresso");
  const std::string address = "Ada Lovelace\n12 St James's Square\nLondon SW1Y 4JH";

  auto placed =
      c.send("POST", "/api/orders", ada.access_token,
             json::serialize(json::object{
                 {"items", json::array{json::object{{"product_id", cup}, {"quantity", 1}}}},
                 {"shipping_address", address}}));
  REQUIRE(placed.status == 201);
  CHECK(str(member(placed, "order"), "shipping_address") == address);
  const std::string with_address = str(member(placed, "order"), "id");

  auto bare = order_one(c, ada, cup);
  REQUIRE(bare.status == 201);
  const std::string without = str(member(bare, "order"), "id");
  REQUIRE(member(bare, "order").as_object().contains("shipping_address"));
  CHECK(member(bare, "order").as_object().at("shipping_address").is_null());

  REQUIRE(c.send("POST", "/api/cart/items", ada.access_token,
                 R"({"product_id":")" + cup + R"(","quantity":2})")
              .status == 200);
  auto checkout = c.send("POST", "/api/cart/checkout", ada.access_token,
                         R"({"shipping_address":"1 Cart Lane"})");
  REQUIRE(checkout.status == 201);
  const std::string from_cart = str(member(checkout, "order"), "id");

  auto check_all = [&](HttpClient& client) {
    auto a = client.send("GET", "/api/orders/" + with_address, ada.access_token);
    REQUIRE(a.status == 200);
    CHECK(str(member(a, "order"), "shipping_address") == address);
    auto b = client.send("GET", "/api/orders/" + without, ada.access_token);
    REQUIRE(b.status == 200);
    CHECK(member(b, "order").as_object().at("shipping_address").is_null());
    auto k = client.send("GET", "/api/orders/" + from_cart, ada.access_token);
    REQUIRE(k.status == 200);
    CHECK(str(member(k, "order"), "shipping_address") == "1 Cart Lane");
    auto list = client.send("GET", "/api/orders", ada.access_token);
    REQUIRE(list.status == 200);
    bool seen = false;
    const json::value listed = list.json();
    for (const auto& o : listed.as_object().at("items").as_array())
      seen = seen || (str(o, "id") == with_address && str(o, "shipping_address") == address);
    CHECK(seen);
  };
  check_all(c);

  // Restarted: the orders model comes back from its snapshot.
  REQUIRE(server.stop() == 0);
  server.start();
  HttpClient again = server.client();
  check_all(again);

  // The stored snapshot agrees with a fold of the log.
  REQUIRE(server.stop() == 0);
  auto verified = run_command(
      {ORDERLY_BINARY, "rebuild", "orders", "--verify", "--data-dir", server.data_dir()});
  INFO(verified.output);
  CHECK(verified.exit_code == 0);
  CHECK(verified.output.find("0 difference(s)") != std::string::npos);
}
