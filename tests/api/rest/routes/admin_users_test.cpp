// The staff's user routes (api/rest/routes/users.cpp) over HTTP against a
// real server: search with filters and pages, a user with their order
// stats, role changes and (de)activation with the aggregate's rules (no
// self-demotion, the last active admin stays), every refusal a problem.
#include <doctest/doctest.h>

#include "tests/api/shop_steps.h"
#include "tests/support/problem.h"

using namespace orderly::testing;

namespace {

const std::vector<std::string> kNoLimits = {"--rate-limit-ip", "0", "--rate-limit-user", "0"};

// The usernames of a page of users, in order.
std::vector<std::string> usernames(const HttpResult& r) {
  std::vector<std::string> out;
  const auto page = r.json();
  for (const auto& u : page.as_object().at("items").as_array())
    out.push_back(str(u, "username"));
  return out;
}

}  // namespace

TEST_CASE("admin users: search by part of a name or email, role and status, newest first, paged") {
  OrderlyServer server(kNoLimits);
  const Session root = server.admin();
  HttpClient c = server.client();
  for (const char* name : {"ada", "adalbert", "bob", "grace"})
    server.register_user(name);

  auto all = c.send("GET", "/api/admin/users", root.access_token);
  REQUIRE(all.status == 200);
  CHECK(usernames(all) == std::vector<std::string>{"grace", "bob", "adalbert", "ada", "admin"});
  CHECK(num(all.json(), "total") == 5);
  CHECK(num(all.json(), "page") == 1);
  CHECK(num(all.json(), "per_page") == 20);
  const auto first = all.json().as_object().at("items").as_array()[0].as_object();
  CHECK(first.at("status") == "active");
  CHECK(first.at("role") == "customer");
  CHECK_FALSE(first.contains("password_hash"));

  CHECK(usernames(c.send("GET", "/api/admin/users?q=ADA", root.access_token)) ==
        std::vector<std::string>{"adalbert", "ada"});
  CHECK(usernames(c.send("GET", "/api/admin/users?q=grace%40example", root.access_token)) ==
        std::vector<std::string>{"grace"});
  CHECK(usernames(c.send("GET", "/api/admin/users?role=admin", root.access_token)) ==
        std::vector<std::string>{"admin"});
  auto second = c.send("GET", "/api/admin/users?per_page=2&page=2", root.access_token);
  CHECK(usernames(second) == std::vector<std::string>{"adalbert", "ada"});
  CHECK(num(second.json(), "total") == 5);
  CHECK(usernames(c.send("GET", "/api/admin/users?status=deactivated", root.access_token)).empty());

  const auto bad = c.send("GET", "/api/admin/users?role=root&status=gone", root.access_token);
  CHECK(is_problem(bad, 422, "validation_failed"));
  CHECK(bad.body.find("\"role\"") != std::string::npos);
  CHECK(bad.body.find("\"status\"") != std::string::npos);
  CHECK(is_problem(c.send("GET", "/api/admin/users?page=x", root.access_token), 422,
                   "validation_failed"));
}

TEST_CASE("admin users: one user with their order stats, unknown ids 404") {
  OrderlyServer server(kNoLimits);
  const Session root = server.admin();
  const Session ada = server.register_user("ada");
  HttpClient c = server.client();
  place_order(server, ada);
  place_order(server, ada);

  auto r =
      c.send("GET", "/api/admin/users/" + ada.id, root.access_token, "", {{"X-Min-Position", "1"}});
  REQUIRE(r.status == 200);
  const auto answer = r.json();
  const auto& body = answer.as_object();
  CHECK(str(body.at("user"), "id") == ada.id);
  CHECK(str(body.at("user"), "email") == "ada@example.com");
  CHECK(str(body.at("user"), "status") == "active");
  CHECK(num(body.at("stats"), "total_orders") == 2);
  CHECK(num(body.at("stats"), "pending_orders") == 2);
  CHECK(num(body.at("stats"), "total_spent_cents") == 0);

  CHECK(is_problem(
      c.send("GET", "/api/admin/users/0192f0c1-0000-7000-8000-00000000ffff", root.access_token),
      404, "not_found"));
  CHECK(
      is_problem(c.send("GET", "/api/admin/users/not-an-id", root.access_token), 404, "not_found"));
}

TEST_CASE("admin users: roles change, but never an admin's own nor the last admin's") {
  OrderlyServer server(kNoLimits);
  const Session root = server.admin();
  const Session ada = server.register_user("ada");
  HttpClient c = server.client();
  const std::string root_id =
      str(c.send("GET", "/api/auth/me", root.access_token).json().as_object().at("user"), "id");

  // The only admin may not demote or deactivate themselves.
  CHECK(is_problem(c.send("PUT", "/api/admin/users/" + root_id + "/role", root.access_token,
                          R"({"role":"customer"})"),
                   409, "invalid_transition"));
  CHECK(is_problem(c.send("POST", "/api/admin/users/" + root_id + "/deactivate", root.access_token),
                   409, "invalid_transition"));

  auto promoted = c.send("PUT", "/api/admin/users/" + ada.id + "/role", root.access_token,
                         R"({"role":"admin"})");
  REQUIRE(promoted.status == 200);
  CHECK(str(promoted.json().as_object().at("user"), "role") == "admin");
  CHECK(!promoted.header("x-log-position").empty());
  // Ada is an admin from her next request, with the token she had.
  CHECK(c.send("GET", "/api/admin/users", ada.access_token).status == 200);
  // Still no admin demotes themselves; another admin may.
  CHECK(is_problem(c.send("PUT", "/api/admin/users/" + ada.id + "/role", ada.access_token,
                          R"({"role":"customer"})"),
                   409, "invalid_transition"));
  CHECK(c.send("PUT", "/api/admin/users/" + root_id + "/role", ada.access_token,
               R"({"role":"customer"})")
            .status == 200);
  // Now Ada is the last active admin: nobody demotes or deactivates her.
  CHECK(is_problem(c.send("GET", "/api/admin/users", root.access_token), 403, "forbidden"));

  CHECK(is_problem(
      c.send("PUT", "/api/admin/users/" + ada.id + "/role", ada.access_token, R"({"role":"root"})"),
      422, "validation_failed"));
  CHECK(is_problem(c.send("PUT", "/api/admin/users/" + ada.id + "/role", ada.access_token,
                          R"({"role":"admin","extra":1})"),
                   422, "validation_failed"));
  CHECK(is_problem(c.send("PUT", "/api/admin/users/0192f0c1-0000-7000-8000-00000000ffff/role",
                          ada.access_token, R"({"role":"admin"})"),
                   404, "not_found"));
  CHECK(is_problem(c.send("POST", "/api/admin/users/" + ada.id + "/deactivate", ada.access_token,
                          R"({"reason":7})"),
                   422, "validation_failed"));
}
