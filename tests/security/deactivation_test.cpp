// Access stops at once (issue 21): a deactivated user's next request is
// refused (401, WWW-Authenticate invalid_token), over HTTP, at the engine's
// WebSocket upgrade and at `orderly notify websocket`'s, and their open
// sockets are closed (1008); a demoted admin's next admin request is 403
// and their scope=all feeds close. Not when the access tokens expire (15
// min): at the next request, because the staff's answer waits until the
// users read model has the change.
#include <doctest/doctest.h>

#include "tests/security/checks.h"
#include "tests/support/orderly_notifier.h"
#include "tests/support/services.h"

using namespace orderly::testing;

namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> kNoLimits = {"--rate-limit-ip", "0", "--rate-limit-user", "0"};

std::string feed(const std::string& token, bool all = false) {
  return std::string("/ws/notifications?") + (all ? "scope=all&" : "") + "access_token=" + token;
}

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

HttpResult deactivate(HttpClient& c, const Session& admin, const std::string& user) {
  return c.send("POST", "/api/admin/users/" + user + "/deactivate", admin.access_token,
                R"({"reason":"chargebacks"})");
}

HttpResult set_role(HttpClient& c, const Session& admin, const std::string& user,
                    const std::string& role) {
  return c.send("PUT", "/api/admin/users/" + user + "/role", admin.access_token,
                R"({"role":")" + role + R"("})");
}

bool invalid_token_challenge(const HttpResult& r) {
  return r.header("www-authenticate").find(R"(error="invalid_token")") != std::string::npos;
}

}  // namespace

TEST_CASE("deactivation: the user's very next HTTP request is 401, on every route") {
  OrderlyServer server(kNoLimits);
  const Session root = server.admin();
  const Session ada = server.register_user("ada");
  const Session ada_phone = server.login("ada@example.com", "password-of-ada");
  const Session bob = server.register_user("bob");
  HttpClient c = server.client();
  REQUIRE(c.send("GET", "/api/orders", ada.access_token).status == 200);

  const HttpResult done = deactivate(c, root, ada.id);
  REQUIRE(done.status == 200);
  CHECK(str(done.json().as_object().at("user"), "status") == "deactivated");
  for (const Session& s : {ada, ada_phone}) {
    const HttpResult me = c.send("GET", "/api/auth/me", s.access_token);
    CHECK(is_problem(me, 401, "unauthorized"));
    CHECK(invalid_token_challenge(me));
    CHECK(is_problem(c.send("GET", "/api/orders", s.access_token), 401, "unauthorized"));
    CHECK(is_problem(c.send("GET", "/api/products", s.access_token), 401, "unauthorized"));
    // No new access token from her refresh tokens, and no new session.
    CHECK(is_problem(post_refresh(c, s.refresh_token), 401, "unauthorized"));
  }
  CHECK(is_problem(c.send("POST", "/api/auth/login", "",
                          R"({"email":"ada@example.com","password":"password-of-ada"})"),
                   403, "forbidden"));
  // Others go on.
  CHECK(c.send("GET", "/api/orders", bob.access_token).status == 200);

  // Reactivated: she may log in again, and her tokens from before stay refused.
  const HttpResult back =
      c.send("POST", "/api/admin/users/" + ada.id + "/reactivate", root.access_token);
  REQUIRE(back.status == 200);
  CHECK(str(back.json().as_object().at("user"), "status") == "active");
  CHECK(is_problem(c.send("GET", "/api/auth/me", ada.access_token), 401, "unauthorized"));
  const Session again = server.login("ada@example.com", "password-of-ada");
  CHECK(c.send("GET", "/api/auth/me", again.access_token).status == 200);
}

TEST_CASE("deactivation: a demoted admin's next admin request is 403, their feeds follow") {
  OrderlyServer server(kNoLimits);
  const Session root = server.admin();
  const Session ada = server.register_user("ada");
  HttpClient c = server.client();
  REQUIRE(set_role(c, root, ada.id, "admin").status == 200);
  REQUIRE(c.send("GET", "/api/stats/dashboard", ada.access_token).status == 200);
  WsClient all(server.port(), feed(ada.access_token, true));
  REQUIRE(all.status() == 101);
  WsClient own(server.port(), feed(ada.access_token));
  REQUIRE(own.status() == 101);

  const HttpResult demoted = set_role(c, root, ada.id, "customer");
  REQUIRE(demoted.status == 200);
  CHECK(str(demoted.json().as_object().at("user"), "role") == "customer");
  CHECK(is_problem(c.send("GET", "/api/stats/dashboard", ada.access_token), 403, "forbidden"));
  CHECK(is_problem(c.send("GET", "/api/admin/users", ada.access_token), 403, "forbidden"));
  // Still a customer: her own things stay hers.
  CHECK(c.send("GET", "/api/orders", ada.access_token).status == 200);
  CHECK(close_code_within(all, std::chrono::seconds(20)) == 1008);
  CHECK(WsClient(server.port(), feed(ada.access_token, true)).status() == 403);
  CHECK(close_code_within(own, std::chrono::seconds(2)) == 0);  // her own feed stays
}

TEST_CASE("deactivation: the engine's WebSockets close with 1008, a new upgrade is 401") {
  OrderlyServer server(kNoLimits);
  const Session root = server.admin();
  const Session ada = server.register_user("ada");
  const Session ada_phone = server.login("ada@example.com", "password-of-ada");
  const Session bob = server.register_user("bob");
  WsClient laptop(server.port(), feed(ada.access_token));
  WsClient phone(server.port(), feed(ada_phone.access_token));
  WsClient bobs(server.port(), feed(bob.access_token));
  REQUIRE(laptop.status() == 101);
  REQUIRE(phone.status() == 101);
  REQUIRE(bobs.status() == 101);
  HttpClient c = server.client();
  REQUIRE(deactivate(c, root, ada.id).status == 200);
  // Right after the answer, before waiting for anything.
  CHECK(WsClient(server.port(), feed(ada.access_token)).status() == 401);
  CHECK(close_code_within(laptop, std::chrono::seconds(20)) == 1008);
  CHECK(close_code_within(phone, std::chrono::seconds(20)) == 1008);
  CHECK(close_code_within(bobs, std::chrono::seconds(2)) == 0);
  CHECK(WsClient(server.port(), feed(ada_phone.access_token)).status() == 401);
}

TEST_CASE(
    "deactivation: orderly notify websocket closes the user's sockets and refuses them at once, "
    "and a demoted admin's scope=all") {
  TempDir nats_dir;
  NatsServer nats(nats_dir.sub("nats"));
  OrderlyServer server(
      {"--nats-url", nats.url(), "--rate-limit-ip", "0", "--rate-limit-user", "0"});
  NotifierUnderTest notifier(server, "websocket", nats.url(), {"--http-address", "127.0.0.1:0"});
  REQUIRE(notifier.port != 0);
  REQUIRE(notifier.wait_subscribed());
  const Session root = server.admin();
  const Session ada = server.register_user("ada");
  const Session eve = server.register_user("eve");
  const Session bob = server.register_user("bob");
  HttpClient c = server.client();
  REQUIRE(set_role(c, root, eve.id, "admin").status == 200);
  WsClient ada_ws(notifier.port, feed(ada.access_token));
  WsClient eve_all(notifier.port, feed(eve.access_token, true));
  WsClient bob_ws(notifier.port, feed(bob.access_token));
  REQUIRE(ada_ws.status() == 101);
  REQUIRE(eve_all.status() == 101);
  REQUIRE(bob_ws.status() == 101);

  REQUIRE(deactivate(c, root, ada.id).status == 200);
  REQUIRE(set_role(c, root, eve.id, "customer").status == 200);
  // The engine refuses at once, and the notifier asks it at every upgrade.
  CHECK(WsClient(notifier.port, feed(ada.access_token)).status() == 401);
  CHECK(WsClient(notifier.port, feed(eve.access_token, true)).status() == 403);
  // The open sockets close when the events arrive through JetStream.
  CHECK(close_code_within(ada_ws, std::chrono::seconds(30)) == 1008);
  CHECK(close_code_within(eve_all, std::chrono::seconds(30)) == 1008);
  CHECK(close_code_within(bob_ws, std::chrono::seconds(2)) == 0);
  CHECK(WsClient(notifier.port, feed(eve.access_token)).status() == 101);  // her own feed
}
