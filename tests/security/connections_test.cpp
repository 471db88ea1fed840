// Connection exhaustion against a real `orderly serve` (issue 19): one
// client address holding idle connections or WebSockets by the thousand
// took the whole global limit, and every other client was refused while
// they stayed. Now each address holds at most its share, WebSocket
// upgrades pass the rate limits like any request, and the last connections
// of the global limit are kept for addresses that hold few, so another
// client (a health check above all) is always served.
#include <doctest/doctest.h>

#include <memory>

#include "tests/security/checks.h"
#include "tests/security/raw_connection.h"

using namespace orderly::testing;

namespace {

using namespace std::chrono_literals;
using Held = std::vector<std::unique_ptr<RawConnection>>;

// Opens `n` connections from `source`, each asking for /health once and
// then kept open (idle, kept alive); the ones the server served are
// returned, the ones it closed at once are not.
Held hold_connections(uint16_t port, const std::string& source, int n) {
  Held held;
  for (int i = 0; i < n; ++i) {
    auto c = std::make_unique<RawConnection>(port, source);
    if (!c->is_open() || !c->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"))
      continue;
    auto r = c->read_response(30s);
    if (r && r->status == 200)
      held.push_back(std::move(c));
  }
  return held;
}

// GET /health and GET /api/products from `source`, on one connection.
bool served(uint16_t port, const std::string& source) {
  RawConnection c(port, source);
  for (const char* path : {"/health", "/api/products"}) {
    if (!c.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n"))
      return false;
    auto r = c.read_response(30s);
    if (!r || r->status != 200)
      return false;
  }
  return true;
}

std::string upgrade_request(const std::string& token) {
  return "GET /ws/notifications?access_token=" + token +
         " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// A WebSocket upgrade from `source`: the answer's status (0: none), the
// connection kept in `held` when it is 101.
int upgrade(uint16_t port, const std::string& source, const std::string& token, Held& held,
            std::string* body = nullptr) {
  auto c = std::make_unique<RawConnection>(port, source);
  if (!c->is_open() || !c->send(upgrade_request(token)))
    return 0;
  auto r = c->read_response(30s);
  if (!r)
    return 0;
  if (body)
    *body = r->body;
  if (r->status == 101)
    held.push_back(std::move(c));
  return r->status;
}

}  // namespace

TEST_CASE("connections: one address holds at most its share, another address is served") {
  OrderlyServer server;  // defaults: 512 connections per address
  const Held flood = hold_connections(server.port(), "127.0.0.1", 600);
  MESSAGE(flood.size() << " of 600 connections from one address held");
  CHECK(flood.size() <= 512);
  CHECK(flood.size() >= 500);
  CHECK(served(server.port(), "127.0.0.2"));
}

TEST_CASE("connections: the last of the global limit is kept for addresses that hold few") {
  // 40 in all, 16 per address: the last 4 go only to addresses holding
  // fewer than 4.
  OrderlyServer server({"--max-connections", "40", "--max-connections-per-address", "16"});
  const Held a = hold_connections(server.port(), "127.0.0.3", 20);
  const Held b = hold_connections(server.port(), "127.0.0.4", 20);
  const Held c = hold_connections(server.port(), "127.0.0.5", 20);
  CHECK(a.size() == 16);
  CHECK(b.size() == 16);
  CHECK(c.size() == 4);
  // The global limit is reached but for its reserve: other clients get in.
  CHECK(served(server.port(), "127.0.0.2"));
  CHECK(served(server.port(), "127.0.0.6"));
  // Those held are still answered.
  REQUIRE(a.front()->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = a.front()->read_response(30s);
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("connections: WebSocket upgrades pass the address's rate limit") {
  // 5 requests a second, a burst of 10: upgrades count like any request.
  OrderlyServer server({"--rate-limit-ip", "5/s"});
  const Session ada = server.register_user("ada");
  const Session bob = server.register_user("bob");
  Held sockets;
  int opened = 0, limited = 0, other = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 24; ++i) {  // 12 each: within the 16 WebSockets a user may hold
    std::string body;
    const int status = upgrade(server.port(), "127.0.0.7",
                               i % 2 ? ada.access_token : bob.access_token, sockets, &body);
    if (status == 101)
      ++opened;
    else if (status == 429 && body.find("\"code\":\"rate_limited\"") != std::string::npos)
      ++limited;
    else
      ++other;
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE(opened << " upgrades opened, " << limited << " refused 429 in " << elapsed << " s");
  CHECK(other == 0);
  CHECK(limited > 0);
  CHECK(opened <= 10 + 5 * elapsed + 1);
  CHECK(served(server.port(), "127.0.0.2"));
}

TEST_CASE("connections: one address holds at most its share of WebSockets, as one user or many") {
  OrderlyServer server({"--max-websockets-per-address", "4", "--rate-limit-ip", "0"});
  const Session ada = server.register_user("ada");
  const Session bob = server.register_user("bob");
  Held sockets;
  int opened = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    std::string body;
    const int status = upgrade(server.port(), "127.0.0.8",
                               i % 2 ? ada.access_token : bob.access_token, sockets, &body);
    opened += status == 101;
    limited += status == 429 && body.find("per client address") != std::string::npos;
  }
  CHECK(opened == 4);
  CHECK(limited == 4);
  // The same user from another address, and other clients, are served.
  Held elsewhere;
  CHECK(upgrade(server.port(), "127.0.0.9", ada.access_token, elsewhere) == 101);
  CHECK(served(server.port(), "127.0.0.2"));
}
