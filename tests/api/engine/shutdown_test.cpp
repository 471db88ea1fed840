// Graceful shutdown under load: SIGTERM while clients place orders; after a
// restart every order that was answered 201 is there, none twice. SIGHUP
// stops nothing.
#include <doctest/doctest.h>

#include <signal.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/shop_requests.h"
#include "tests/support/wait_until.h"

using namespace orderly::testing;

TEST_CASE("shutdown: SIGTERM under load loses no acknowledged order") {
  // 4 customers ordering as fast as they can: no hold limits.
  OrderlyServer server(
      {"--hold-max-units", "0", "--hold-max-orders", "0", "--hold-max-cents", "0"});
  HttpClient setup = server.client();
  const std::string cup = product_id(setup, "espresso");
  std::vector<Session> users;
  for (int i = 0; i < 4; ++i)
    users.push_back(server.register_user("load" + std::to_string(i)));

  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> acknowledged;  // order id, user token
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (const Session& u : users) {
    clients.emplace_back([&, u] {
      HttpClient c(server.port());
      while (!stop.load()) {
        auto r = order_one(c, u, cup);
        if (r.status == 201) {
          std::lock_guard lock(mu);
          acknowledged.emplace_back(str(r.json().as_object().at("order"), "id"), u.access_token);
        }
        if (r.status == 0)
          break;  // the server has closed
        ++answered;
      }
    });
  }
  // Let the load build up, then stop the server under it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (answered.load() < 40 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(server.stop() == 0);
  stop.store(true);
  for (auto& t : clients)
    t.join();
  REQUIRE(acknowledged.size() >= 20);

  server.start();
  HttpClient c = server.client();
  Session admin = server.admin();
  std::set<std::string> seen;
  for (const auto& [id, token] : acknowledged) {
    CAPTURE(id);
    CHECK(seen.insert(id).second);
    auto r = c.send("GET", "/api/orders/" + id, admin.access_token);
    CHECK(r.status == 200);
  }
  // Nothing else slipped in: the orders in the engine are exactly those
  // acknowledged, or a few more answered while the client was cut off.
  auto all = c.send("GET", "/api/orders?per_page=1", admin.access_token);
  CHECK(num(all.json(), "total") >= static_cast<int64_t>(acknowledged.size()));
  CHECK(num(all.json(), "total") <= static_cast<int64_t>(acknowledged.size() + users.size()));
  CHECK(server.stop() == 0);
  auto after = run_command({ORDERLY_BINARY, "verify", "--data-dir", server.data_dir()});
  CHECK(after.exit_code == 0);
}

TEST_CASE("shutdown: SIGHUP (systemctl reload) is logged and the engine keeps serving") {
  // ops/orderly.service's ExecReload sends SIGHUP; its default action would
  // end the engine at once, without the drain.
  OrderlyServer server({}, {.log_file = "serve.log"});
  const std::string log = server.dir().sub("serve.log");
  auto log_says = [&log](const std::string& text) {
    std::ifstream in(log);
    const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return all.find(text) != std::string::npos;
  };
  REQUIRE(::kill(server.pid(), SIGHUP) == 0);
  CHECK(poll_until([&] { return log_says("nothing to reload"); }, std::chrono::seconds(10),
                   std::chrono::milliseconds(20)));
  CHECK(server.wait_ready(std::chrono::seconds(10)));
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  CHECK(order_one(c, ada, product_id(c, "espresso")).status == 201);
  // A stop signal still stops it cleanly.
  CHECK(server.stop() == 0);
  CHECK(log_says("closed cleanly"));
}
