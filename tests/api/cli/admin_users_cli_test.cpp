// `orderly admin list-users|set-role|deactivate`, run as an operator runs
// them: against a data directory whose server is stopped, the changes then
// seen by the server started again (a token, a login, an admin route).
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <chrono>
#include <sstream>
#include <thread>

#include "tests/support/orderly_server.h"
#include "tests/support/process.h"
#include "tests/support/shop_requests.h"

using namespace orderly;
using namespace orderly::testing;

namespace {

const std::string kOrderly = ORDERLY_BINARY;

RunResult admin(const OrderlyServer& server, std::vector<std::string> args) {
  std::vector<std::string> argv = {kOrderly, "admin"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--data-dir");
  argv.push_back(server.data_dir());
  return run_command(argv);
}

// The lines of `text` (list-users prints one user a line).
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty())
      out.push_back(line);
  }
  return out;
}

// The answer once the restarted server has folded the accounts it found in
// the log (until then a token is 503 projection_lagging: retry).
HttpResult settled(HttpClient& c, const std::string& method, const std::string& path,
                   const std::string& token, const std::string& body = "") {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  HttpResult r = c.send(method, path, token, body);
  while (r.status == 503 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r = c.send(method, path, token, body);
  }
  return r;
}

}  // namespace

TEST_CASE("orderly admin list-users: every user, filtered, as text or JSON lines") {
  OrderlyServer server;
  const Session ada = server.register_user("ada");
  server.register_user("bob");
  // A running server holds the data directory: the tool says so (exit 3).
  CHECK(admin(server, {"list-users"}).exit_code == 3);
  REQUIRE(server.stop() == 0);

  auto all = admin(server, {"list-users"});
  REQUIRE(all.exit_code == 0);
  CHECK(lines_of(all.output).size() == 3);  // the admin, ada, bob
  for (const char* who : {"admin@example.com", "ada@example.com", "bob@example.com"})
    CHECK(all.output.find(who) != std::string::npos);

  auto admins = admin(server, {"list-users", "--role", "admin"});
  REQUIRE(admins.exit_code == 0);
  REQUIRE(lines_of(admins.output).size() == 1);
  CHECK(admins.output.find("admin@example.com") != std::string::npos);

  auto json = admin(server, {"list-users", "--q", "ADA", "--json"});
  REQUIRE(json.exit_code == 0);
  const auto rows = lines_of(json.output);
  REQUIRE(rows.size() == 1);
  const auto row = boost::json::parse(rows[0]).as_object();
  CHECK(row.at("id").as_string() == ada.id);
  CHECK(row.at("email") == "ada@example.com");
  CHECK(row.at("role") == "customer");
  CHECK(row.at("status") == "active");
  CHECK_FALSE(row.contains("password_hash"));

  CHECK(admin(server, {"list-users", "--status", "deactivated"}).output.empty());
  CHECK(admin(server, {"list-users", "--role", "root"}).exit_code == 2);
  CHECK(admin(server, {"list-users", "--status", "gone"}).exit_code == 2);
}

TEST_CASE("orderly admin set-role and deactivate: recorded offline, in force at the next start") {
  OrderlyServer server;
  const Session ada = server.register_user("ada");
  const Session bob = server.register_user("bob");
  REQUIRE(server.stop() == 0);

  auto promoted = admin(server, {"set-role", "--email", "ADA@example.com", "--role", "admin"});
  CHECK(promoted.exit_code == 0);
  CHECK(promoted.output.find("role admin") != std::string::npos);
  auto deactivated = admin(server, {"deactivate", "--user", bob.id, "--reason", "fraud"});
  CHECK(deactivated.exit_code == 0);
  CHECK(deactivated.output.find("deactivated") != std::string::npos);
  // Unknown users, bad roles and a missing name are the operator's mistakes.
  CHECK(admin(server, {"deactivate", "--email", "nobody@example.com"}).exit_code == 2);
  CHECK(admin(server, {"set-role", "--email", "ada@example.com", "--role", "root"}).exit_code == 2);
  CHECK(admin(server, {"deactivate"}).exit_code == 2);

  server.start();
  HttpClient c = server.client();
  // Ada's token from before is judged by her role now: an admin's.
  CHECK(settled(c, "GET", "/api/stats/dashboard", ada.access_token).status == 200);
  // Bob's token from before is refused, and so is his password.
  CHECK(settled(c, "GET", "/api/auth/me", bob.access_token).status == 401);
  CHECK(settled(c, "POST", "/api/auth/login", "",
                R"({"email":"bob@example.com","password":"password-of-bob"})")
            .status == 403);
  REQUIRE(server.stop() == 0);

  CHECK(admin(server, {"deactivate", "--email", "bob@example.com", "--reactivate"}).exit_code == 0);
  server.start();
  HttpClient again = server.client();
  const Session back =
      session_of(settled(again, "POST", "/api/auth/login", "",
                         R"({"email":"bob@example.com","password":"password-of-bob"})"));
  CHECK(settled(again, "GET", "/api/auth/me", back.access_token).status == 200);
}

TEST_CASE("orderly admin deactivate: the last admin too, and back, for when nobody can log in") {
  OrderlyServer server;
  REQUIRE(server.stop() == 0);
  // The API refuses to deactivate or demote the last admin; the operator may.
  CHECK(admin(server, {"deactivate", "--email", OrderlyServer::kAdminEmail}).exit_code == 0);
  server.start();
  HttpClient c = server.client();
  CHECK(settled(c, "POST", "/api/auth/login", "",
                std::string(R"({"email":")") + OrderlyServer::kAdminEmail + R"(","password":")" +
                    OrderlyServer::kAdminPassword + R"("})")
            .status == 403);
  REQUIRE(server.stop() == 0);
  CHECK(admin(server, {"deactivate", "--email", OrderlyServer::kAdminEmail, "--reactivate"})
            .exit_code == 0);
  server.start();
  HttpClient after = server.client();
  const Session root =
      session_of(settled(after, "POST", "/api/auth/login", "",
                         std::string(R"({"email":")") + OrderlyServer::kAdminEmail +
                             R"(","password":")" + OrderlyServer::kAdminPassword + R"("})"));
  CHECK(settled(after, "GET", "/api/stats/dashboard", root.access_token).status == 200);
}
