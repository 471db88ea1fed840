// Every error code of CONTRACT.md over real sockets, authorisation between
// customers and an admin, idempotent retries, limits and read-your-writes.
#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/auth/jwt.h"
#include "tests/api/shop_steps.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/problem.h"
#include "tests/support/shop_requests.h"

using namespace orderly::testing;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("errors: every contract code, as problem+json naming the problem") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  Session bob = server.register_user("bob");
  Session admin = server.admin();
  const std::string desk = product_id(c, "organiser");  // 3 in stock

  // 400 malformed_json with the byte offset; 415; 422 with every field named.
  auto malformed = c.send("POST", "/api/orders", ada.access_token, R"({"items": [})");
  CHECK(malformed.status == 400);
  CHECK(code_of(malformed) == "malformed_json");
  CHECK(malformed.header("content-type") == "application/problem+json");
  CHECK(str(malformed.json(), "detail").find("at byte") != std::string::npos);
  auto media =
      c.request("POST", "/api/orders", "{}",
                {{"Authorization", "Bearer " + ada.access_token}, {"Content-Type", "text/plain"}});
  CHECK(media.status == 415);
  CHECK(code_of(media) == "unsupported_media_type");
  auto invalid = c.send("POST", "/api/orders", ada.access_token,
                        R"({"items":[{"product_id":"x","quantity":"two"}],"colour":1})");
  CHECK(invalid.status == 422);
  CHECK(code_of(invalid) == "validation_failed");
  CHECK(invalid.body.find("items[0].product_id") != std::string::npos);
  CHECK(invalid.body.find("items[0].quantity") != std::string::npos);
  CHECK(invalid.body.find("colour") != std::string::npos);
  auto bad_register = c.send("POST", "/api/auth/register", "",
                             R"({"username":"x","email":"nope","password":"short"})");
  CHECK(bad_register.status == 422);
  CHECK(bad_register.json().as_object().at("errors").as_array().size() == 3);

  // 401: no token, a tampered one, alg none, an expired one.
  CHECK(code_of(c.send("GET", "/api/orders", "")) == "unauthorized");
  std::string tampered = ada.access_token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  CHECK(c.send("GET", "/api/orders", tampered).status == 401);
  const std::string none = orderly::api::auth::base64url(R"({"alg":"none","typ":"JWT"})") + "." +
                           orderly::api::auth::base64url(R"({"sub":")" + ada.id +
                                                         R"(","role":"admin","exp":4102444800})") +
                           ".";
  CHECK(c.send("GET", "/api/stats/dashboard", none).status == 401);
  const std::string secret = read_file(server.data_dir() + "/jwt.secret");
  REQUIRE(secret.size() >= 32);
  orderly::api::auth::AccessClaims old{ada.id, "customer", 1000, 2000};
  auto expired = c.send("GET", "/api/orders", orderly::api::auth::sign_jwt(old, secret));
  CHECK(expired.status == 401);
  CHECK(str(expired.json(), "detail").find("expired") != std::string::npos);
  // A well-signed token for a user that does not exist; a customer's token
  // claiming admin is still a customer (the role comes from the user).
  orderly::api::auth::AccessClaims ghost{"01937f4e-8c1a-7cc0-9a2b-3f5e6d7c8b9a", "admin", 1000,
                                         4102444800};
  CHECK(c.send("GET", "/api/orders", orderly::api::auth::sign_jwt(ghost, secret)).status == 401);
  orderly::api::auth::AccessClaims promoted{ada.id, "admin", 1000, 4102444800};
  CHECK(c.send("GET", "/api/stats/dashboard", orderly::api::auth::sign_jwt(promoted, secret))
            .status == 403);
  orderly::api::auth::AccessClaims forged{ada.id, "admin", 1000, 4102444800};
  CHECK(c.send("GET", "/api/stats/dashboard",
               orderly::api::auth::sign_jwt(forged, "another-secret-of-32-bytes-at-least"))
            .status == 401);
  CHECK(c.request("POST", "/api/auth/login",
                  R"({"email":"ada@example.com","password":"wrong-one"})",
                  {{"Content-Type", "application/json"}})
            .status == 401);

  // 403: admin routes as a customer.
  CHECK(code_of(c.send("GET", "/api/stats/dashboard", ada.access_token)) == "forbidden");
  CHECK(c.send("POST", "/api/products", ada.access_token, R"({"name":"x"})").status == 403);
  CHECK(c.send("PUT", "/api/orders/x/status", bob.access_token, R"({"status":"shipped"})").status ==
        403);

  // 409 insufficient_stock naming the line; already_exists.
  auto short_stock = c.send("POST", "/api/orders", ada.access_token,
                            R"({"items":[{"product_id":")" + desk + R"(","quantity":4}]})");
  CHECK(short_stock.status == 409);
  CHECK(code_of(short_stock) == "insufficient_stock");
  CHECK(short_stock.body.find("items[0].quantity") != std::string::npos);
  auto dup = c.send("POST", "/api/auth/register", "",
                    R"({"username":"ada","email":"other@example.com","password":"password-2"})");
  CHECK(dup.status == 409);
  CHECK(code_of(dup) == "already_exists");

  // 404 for another customer's order and payment, not 403.
  auto order = order_one(c, ada, desk);
  REQUIRE(order.status == 201);
  const std::string order_id = str(order.json().as_object().at("order"), "id");
  CHECK(code_of(c.send("GET", "/api/orders/" + order_id, bob.access_token)) == "not_found");
  CHECK(c.send("POST", "/api/orders/" + order_id + "/cancel", bob.access_token).status == 404);
  CHECK(c.send("POST", "/api/payments", bob.access_token, R"({"order_id":")" + order_id + R"("})")
            .status == 404);
  auto pay =
      c.send("POST", "/api/payments", ada.access_token, R"({"order_id":")" + order_id + R"("})");
  REQUIRE(pay.status == 201);
  const std::string pay_id = str(pay.json().as_object().at("payment"), "id");
  CHECK(c.send("GET", "/api/payments/" + pay_id, bob.access_token).status == 404);
  CHECK(c.send("GET", "/api/payments/" + pay_id, ada.access_token).status == 200);
  CHECK(c.send("GET", "/api/payments/" + pay_id, admin.access_token).status == 200);
  CHECK(c.send("GET", "/api/orders/" + order_id, admin.access_token).status == 200);
  auto bobs = c.send("GET", "/api/orders", bob.access_token);
  CHECK(num(bobs.json(), "total") == 0);
  CHECK(c.request("GET", "/api/products/not-an-id").status == 404);
  CHECK(c.request("GET", "/nowhere").status == 404);
  CHECK(c.request("DELETE", "/api/categories").status == 405);

  // Idempotent retries: same key and body -> the first answer, nothing appended;
  // same key, other body -> 422 idempotency_key_reused.
  const std::string body = R"({"items":[{"product_id":")" + desk + R"(","quantity":1}]})";
  auto first = c.send("POST", "/api/orders", bob.access_token, body, {{"Idempotency-Key", "k-1"}});
  REQUIRE(first.status == 201);
  auto retry = c.send("POST", "/api/orders", bob.access_token, body, {{"Idempotency-Key", "k-1"}});
  CHECK(retry.status == 201);
  CHECK(retry.header("x-log-position") == first.header("x-log-position"));
  auto other = c.send("POST", "/api/orders", bob.access_token,
                      R"({"items":[{"product_id":")" + desk + R"(","quantity":2}]})",
                      {{"Idempotency-Key", "k-1"}});
  CHECK(other.status == 422);
  CHECK(code_of(other) == "idempotency_key_reused");
  auto bobs_orders = c.send("GET", "/api/orders", bob.access_token, "",
                            {{"X-Min-Position", retry.header("x-log-position")}});
  CHECK(num(bobs_orders.json(), "total") == 1);

  // A registration retried with the same key answers the same user.
  const std::string reg =
      R"({"username":"carol","email":"carol@example.com","password":"password-3"})";
  auto reg1 = c.send("POST", "/api/auth/register", "", reg, {{"Idempotency-Key", "reg-1"}});
  auto reg2 = c.send("POST", "/api/auth/register", "", reg, {{"Idempotency-Key", "reg-1"}});
  REQUIRE(reg1.status == 201);
  CHECK(reg2.status == 201);
  CHECK(str(reg2.json().as_object().at("user"), "id") ==
        str(reg1.json().as_object().at("user"), "id"));
  // Views count only for products that exist.
  CHECK(c.send("POST", "/api/analytics/events", "",
               R"({"type":"product_view","product_id":"01937f4e-8c1a-7cc0-9a2b-3f5e6d7c8b9a"})")
            .status == 422);
  CHECK(c.send("POST", "/api/analytics/events", "",
               R"({"type":"product_view","product_id":")" + desk + R"("})")
            .status == 202);

  // 503 projection_lagging: a position the log will not reach in time.
  auto lagging = c.request("GET", "/api/products", "", {{"X-Min-Position", "999999999"}});
  CHECK(lagging.status == 503);
  CHECK(code_of(lagging) == "projection_lagging");
  CHECK(c.request("GET", "/api/products", "", {{"X-Min-Position", "abc"}}).status == 400);

  // 413: a body over the 1 MiB limit, answered before it is read.
  auto big = c.send("POST", "/api/products", admin.access_token,
                    R"({"name":")" + std::string(2 << 20, 'x') + R"("})");
  CHECK(big.status == 413);
  CHECK(code_of(big) == "payload_too_large");
  CHECK(!big.header("x-request-id").empty());
  // 431 and a plain 400 for requests that are not HTTP.
  const std::string huge_header = HttpClient::raw(
      server.port(),
      "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 << 10, 'a') + "\r\n\r\n");
  CHECK(huge_header.starts_with("HTTP/1.1 431"));
  CHECK(HttpClient::raw(server.port(), "NONSENSE\r\n\r\n").starts_with("HTTP/1.1 400"));
  // Pipelining: two requests in one write, two answers in order.
  const std::string both = HttpClient::raw(
      server.port(),
      "GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: first\r\n\r\n"
      "GET /nowhere HTTP/1.1\r\nHost: x\r\nX-Request-Id: second\r\nConnection: close\r\n\r\n");
  const size_t first_at = both.find("X-Request-Id: first");
  const size_t second_at = both.find("X-Request-Id: second");
  CHECK(both.starts_with("HTTP/1.1 200"));
  CHECK(both.find("HTTP/1.1 404") != std::string::npos);
  CHECK(first_at != std::string::npos);
  CHECK(second_at != std::string::npos);
  CHECK(first_at < second_at);
  // The server is still fine.
  CHECK(c.request("GET", "/health").status == 200);
}

TEST_CASE("limits: a flood is answered 429 with Retry-After, slow clients are cut off, CORS") {
  OrderlyServer server({"--rate-limit-ip", "20/s", "--cors-origin", "https://shop.example"});
  HttpClient c = server.client();
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 200; ++i) {
    auto r = c.request("GET", "/health");
    if (r.status == 200)
      ++ok;
    if (r.status == 429) {
      ++limited;
      retry_after = r.header("retry-after");
      CHECK(code_of(r) == "rate_limited");
    }
  }
  CHECK(ok >= 40);  // the burst (2x the rate) and what refilled meanwhile
  CHECK(limited > 0);
  CHECK(!retry_after.empty());

  // CORS: the configured origin gets a preflight and readable answers; others nothing.
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the bucket refill
  auto preflight =
      c.request("OPTIONS", "/api/orders", "",
                {{"Origin", "https://shop.example"}, {"Access-Control-Request-Method", "POST"}});
  CHECK(preflight.status == 204);
  CHECK(preflight.header("access-control-allow-origin") == "https://shop.example");
  CHECK(preflight.header("access-control-allow-headers").find("Authorization") !=
        std::string::npos);
  auto allowed = c.request("GET", "/health", "", {{"Origin", "https://shop.example"}});
  CHECK(allowed.header("access-control-allow-origin") == "https://shop.example");
  auto other = c.request("GET", "/health", "", {{"Origin", "https://evil.example"}});
  CHECK(other.header("access-control-allow-origin").empty());

  // A client that sends half a request and stops is disconnected by the
  // read timeout (10 s), well before this test's own 30 s limit.
  const auto t0 = std::chrono::steady_clock::now();
  const std::string answer = HttpClient::raw(server.port(), "GET /health HTTP/1.1\r\nHost:", 30000);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(answer.empty());
  CHECK(secs < 25);
}

TEST_CASE("overload: a full command queue answers 503 overloaded with Retry-After, then recovers") {
  OrderlyServer server({"--queue-capacity", "1", "--rate-limit-ip", "0", "--rate-limit-user", "0",
                        "--hold-max-units", "0", "--hold-max-orders", "0", "--hold-max-cents",
                        "0"});
  Session ada = server.register_user("ada");
  HttpClient c = server.client();
  const std::string cup = product_id(c, "espresso");
  Session admin = server.admin();
  set_stock(c, admin, cup, 100'000);
  std::atomic<int> created{0}, overloaded{0}, other{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 24; ++t) {
    clients.emplace_back([&] {
      HttpClient w(server.port());
      for (int i = 0; i < 30; ++i) {
        auto r = order_one(w, ada, cup);
        if (r.status == 201 || r.status == 202)  // 202: durable, read model behind
          ++created;
        else if (r.status == 503 && code_of(r) == "overloaded" && !r.header("retry-after").empty())
          ++overloaded;
        else
          ++other;
      }
    });
  }
  for (auto& t : clients)
    t.join();
  CAPTURE(created.load());
  CAPTURE(overloaded.load());
  CAPTURE(other.load());
  CHECK(created.load() > 0);
  CHECK(overloaded.load() > 0);
  CHECK(other.load() == 0);
  // It recovers by itself: a lone request goes through.
  auto after = order_one(c, ada, cup);
  CHECK(after.status == 201);
}
