// Right after start, while the read models still fold the log behind their
// snapshots, the server already answers. Whoever the log knows must be
// known then too: CI once refused the admin a test had just created (401 on
// login) because the users model had not reached him yet, and a customer's
// token from before a crash was refused the same way.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/support/json_fields.h"
#include "tests/support/orderly_binary.h"
#include "tests/support/orderly_server.h"

using namespace orderly::testing;

namespace {

int status_of(const HttpResult& r) {
  return r.status;
}
int status_of(int upgrade_status) {
  return upgrade_status;
}

// A 503 (the model still folding after its wait) says "retry", and a
// client retries; any other answer is the one that counts. `send` makes a
// new attempt each time: an HTTP answer, or a WebSocket upgrade's status.
template <typename Send>
auto retried_while_loading(const Send& send) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    auto r = send();
    if (status_of(r) != 503 || std::chrono::steady_clock::now() >= deadline)
      return r;
    // As a client told to retry would: a loop with no pause answered ~2,000
    // 503s a second once the server stopped spending a core on repeated
    // scans, and ran into the per-address rate limit (429) before the
    // users model had folded the log.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

TEST_CASE("startup: accounts in the log are known at once, while the read models catch up") {
  OrderlyServer server({"--no-demo"});
  server.stop();
  // A long log after the models' snapshots (a bulk import)...
  const std::string catalog = server.dir().sub("catalog.json");
  {
    std::ofstream out(catalog);
    out << "[";
    for (int i = 0; i < 200'000; ++i) {
      out << (i ? "," : "") << R"({"name":"Item )" << i << R"(","sku":"ITEM-)" << i
          << R"(","description":"d","category":"c","price_cents":100,"stock":5})";
    }
    out << "]";
  }
  const auto imported = run_command({orderly_binary(), "import-catalog", "--data-dir",
                                     server.data_dir(), "--sync", "none", catalog});
  REQUIRE_MESSAGE(imported.exit_code == 0, imported.output);
  // ...then a customer registers and the machine dies before the users
  // model's next snapshot, and an admin adds an account offline: both at
  // the log's very end, which the users model folds last after a restart.
  server.start();
  // Registering answers with tokens once the users model has the account
  // (else 202 after a 2 s wait): on a loaded machine folding 200,000
  // events takes longer than that, so wait until the models have caught up.
  REQUIRE(server.wait_ready(std::chrono::seconds(180)));
  const Session early = server.register_user("early");
  server.kill();
  std::ofstream(server.dir().sub("late.pw")) << "late-password-1";
  const auto made = run_command(
      {orderly_binary(), "admin", "create-user", "--data-dir", server.data_dir(), "--username",
       "late", "--email", "late@example.com", "--password-file", server.dir().sub("late.pw")});
  REQUIRE_MESSAGE(made.exit_code == 0, made.output);

  server.start();
  HttpClient c = server.client();
  SUBCASE("a login") {
    const HttpResult r = retried_while_loading([&] {
      return c.send("POST", "/api/auth/login", "",
                    R"({"email":"late@example.com","password":"late-password-1"})");
    });
    CHECK_MESSAGE(r.status == 200, r.body);
  }
  SUBCASE("an access token") {
    const HttpResult r =
        retried_while_loading([&] { return c.send("GET", "/api/auth/me", early.access_token); });
    CHECK_MESSAGE(r.status == 200, r.body);
  }
  SUBCASE("a WebSocket") {
    const int status = retried_while_loading([&] {
      return WsClient(server.port(), "/ws/notifications?access_token=" + early.access_token)
          .status();
    });
    CHECK(status == 101);
  }
  SUBCASE("a refresh token") {
    const HttpResult r = retried_while_loading([&] {
      return c.send("POST", "/api/auth/refresh", "",
                    R"({"refresh_token":")" + early.refresh_token + R"("})");
    });
    CHECK_MESSAGE(r.status == 200, r.body);
  }
}
