// WebSockets outliving their token (issue 19): a /ws/notifications
// connection must be closed with 1008 when the access token it was opened
// with expires, when that token's session is logged out, and when the
// session's refresh-token family is revoked on reuse, in the engine and in
// `orderly notify websocket` alike. Other sessions' connections stay open.
// A token of an ended session opens nothing at the very next upgrade
// (neither process remembers an earlier answer for it).
#include <doctest/doctest.h>

#include <thread>

#include "tests/security/checks.h"
#include "tests/security/forged_jwt.h"
#include "tests/support/orderly_notifier.h"
#include "tests/support/services.h"

using namespace orderly::testing;

namespace {

using Clock = std::chrono::steady_clock;

// Reads until the server closes the connection or `limit` passes: the
// close code (0: still open at the end).
int close_code_within(WsClient& ws, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (ws.read(std::chrono::seconds(1)))
      continue;  // a message: the feed is alive
    if (ws.close_code() != 0)
      return ws.close_code();
  }
  return ws.close_code();
}

// Still open after `d` (messages read meanwhile are fine).
bool open_after(WsClient& ws, std::chrono::seconds d) {
  return close_code_within(ws, d) == 0;
}

std::string feed(const std::string& token) {
  return "/ws/notifications?access_token=" + token;
}

}  // namespace

TEST_CASE("ws lifetime: a connection is closed with 1008 when its access token expires") {
  OrderlyServer server;
  const Session ada = server.register_user("ada");
  // A token of Ada's that expires in 4 s, signed with the engine's own key
  // (the default lifetime is 15 min: too long to wait for here).
  const std::string secret = read_text_file(server.data_dir() + "/jwt.secret");
  REQUIRE(secret.size() >= 32);
  const std::string short_lived =
      forge_jwt(kHs256Header, claims(ada.id, "customer", unix_now() + 4), secret);
  WsClient soon(server.port(), feed(short_lived));
  REQUIRE(soon.status() == 101);
  WsClient later(server.port(), feed(ada.access_token));
  REQUIRE(later.status() == 101);
  const auto t0 = Clock::now();
  CHECK(close_code_within(soon, std::chrono::seconds(30)) == 1008);
  const double after = std::chrono::duration<double>(Clock::now() - t0).count();
  MESSAGE("closed " << after << " s after opening (the token had 4 s left)");
  CHECK(after >= 2.0);
  // Ada's connection with her 15-minute token is not touched.
  CHECK(open_after(later, std::chrono::seconds(2)));
}

TEST_CASE("ws lifetime: --access-token-ttl sets the token's life, and the socket ends with it") {
  OrderlyServer server({"--access-token-ttl", "3s"});
  HttpClient c = server.client();
  auto r = c.send("POST", "/api/auth/register", "",
                  R"({"username":"ada","email":"ada@example.com","password":"password-of-ada"})");
  REQUIRE(r.status == 201);
  CHECK(r.json().as_object().at("expires_in").to_number<int64_t>() == 3);
  const Session ada = session_of(r);
  WsClient ws(server.port(), feed(ada.access_token));
  REQUIRE(ws.status() == 101);
  CHECK(close_code_within(ws, std::chrono::seconds(30)) == 1008);
  CHECK(c.send("GET", "/api/auth/me", ada.access_token).status == 401);
}

TEST_CASE("ws lifetime: logging out closes the session's connections, not the others") {
  OrderlyServer server;
  const Session ada = server.register_user("ada");
  const Session ada_phone = server.login("ada@example.com", "password-of-ada");
  WsClient laptop(server.port(), feed(ada.access_token));
  WsClient phone(server.port(), feed(ada_phone.access_token));
  REQUIRE(laptop.status() == 101);
  REQUIRE(phone.status() == 101);
  HttpClient c = server.client();
  REQUIRE(post_logout(c, ada, ada.refresh_token).status == 204);
  CHECK(close_code_within(laptop, std::chrono::seconds(20)) == 1008);
  CHECK(open_after(phone, std::chrono::seconds(2)));
  // The logged-out session's access token opens no new feed either.
  CHECK(WsClient(server.port(), feed(ada.access_token)).status() == 401);
  CHECK(WsClient(server.port(), feed(ada_phone.access_token)).status() == 101);
}

TEST_CASE("ws lifetime: reuse of a rotated refresh token closes the revoked family's connections") {
  OrderlyServer server;
  const Session ada = server.register_user("ada");
  const Session other = server.login("ada@example.com", "password-of-ada");
  HttpClient c = server.client();
  // The session rotates once: its new access token opens a feed.
  const Session rotated = session_of(post_refresh(c, ada.refresh_token));
  WsClient ws(server.port(), feed(rotated.access_token));
  WsClient other_ws(server.port(), feed(other.access_token));
  REQUIRE(ws.status() == 101);
  REQUIRE(other_ws.status() == 101);
  // The retired token again: stolen, so the whole family is revoked.
  CHECK(is_problem(post_refresh(c, ada.refresh_token), 401, "unauthorized"));
  CHECK(close_code_within(ws, std::chrono::seconds(20)) == 1008);
  CHECK(open_after(other_ws, std::chrono::seconds(2)));
  CHECK(WsClient(server.port(), feed(rotated.access_token)).status() == 401);
}

TEST_CASE("ws lifetime: orderly notify websocket closes at exp and at logout too") {
  TempDir nats_dir;
  NatsServer nats(nats_dir.sub("nats"));
  OrderlyServer server({"--nats-url", nats.url()});
  NotifierUnderTest notifier(server, "websocket", nats.url(), {"--http-address", "127.0.0.1:0"});
  REQUIRE(notifier.port != 0);
  REQUIRE(notifier.wait_subscribed());  // subscribed to JetStream
  const Session ada = server.register_user("ada");
  const Session ada_phone = server.login("ada@example.com", "password-of-ada");
  const std::string secret = read_text_file(server.data_dir() + "/jwt.secret");
  const std::string short_lived =
      forge_jwt(kHs256Header, claims(ada.id, "customer", unix_now() + 4), secret);
  WsClient soon(notifier.port, feed(short_lived));
  WsClient laptop(notifier.port, feed(ada.access_token));
  WsClient phone(notifier.port, feed(ada_phone.access_token));
  REQUIRE(soon.status() == 101);
  REQUIRE(laptop.status() == 101);
  REQUIRE(phone.status() == 101);
  CHECK(close_code_within(soon, std::chrono::seconds(30)) == 1008);
  HttpClient c = server.client();
  REQUIRE(post_logout(c, ada, ada.refresh_token).status == 204);
  // The logout reaches this process through JetStream.
  CHECK(close_code_within(laptop, std::chrono::seconds(30)) == 1008);
  CHECK(open_after(phone, std::chrono::seconds(2)));
  CHECK(WsClient(notifier.port, feed(ada.access_token)).status() == 401);
  CHECK(WsClient(notifier.port, feed(ada_phone.access_token)).status() == 101);
}

TEST_CASE(
    "ws lifetime: an ended session's token is refused at the very next upgrade, by the engine and "
    "by orderly notify websocket") {
  TempDir nats_dir;
  NatsServer nats(nats_dir.sub("nats"));
  OrderlyServer server({"--nats-url", nats.url()});
  NotifierUnderTest notifier(server, "websocket", nats.url(), {"--http-address", "127.0.0.1:0"});
  REQUIRE(notifier.port != 0);
  REQUIRE(notifier.wait_subscribed());
  const Session ada = server.register_user("ada");
  const Session ada_phone = server.login("ada@example.com", "password-of-ada");
  // Both accept the token first: a process that remembered the engine's
  // answer would accept it again below.
  REQUIRE(WsClient(server.port(), feed(ada.access_token)).status() == 101);
  REQUIRE(WsClient(notifier.port, feed(ada.access_token)).status() == 101);
  HttpClient c = server.client();
  REQUIRE(post_logout(c, ada, ada.refresh_token).status == 204);
  // At once: no wait for the logout to travel through JetStream.
  CHECK(WsClient(server.port(), feed(ada.access_token)).status() == 401);
  CHECK(WsClient(notifier.port, feed(ada.access_token)).status() == 401);
  CHECK(c.send("GET", "/api/auth/me", ada.access_token).status == 401);
  // The other session goes on, at both.
  CHECK(WsClient(server.port(), feed(ada_phone.access_token)).status() == 101);
  CHECK(WsClient(notifier.port, feed(ada_phone.access_token)).status() == 101);
}
