// The category routes of issue 22 over real sockets (api/rest/routes/
// categories.cpp): created with or without a slug, listed in pages by
// name, renamed on every product view, made by a product that names an
// unknown category, and deleted only once no active product uses them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/problem.h"

using namespace orderly::testing;

namespace {

json::value member(const json::value& v, std::string_view key) {
  return v.as_object().at(key);
}

std::vector<std::string> error_fields(const HttpResult& r) {
  std::vector<std::string> out;
  const json::value answer = r.json();  // the loop reads into it: kept alive
  for (const auto& e : answer.as_object().at("errors").as_array())
    out.push_back(str(e, "field"));
  return out;
}

// GET `target` once the read models have applied the command `after` answered.
HttpResult read_after(HttpClient& c, const std::string& target, const HttpResult& after) {
  return c.request("GET", target, "", {{"X-Min-Position", after.header("x-log-position")}});
}

// POST /api/products as the admin: the new product's answer (201 required).
HttpResult create_product(HttpClient& c, const Session& admin, const std::string& name,
                          const std::string& category) {
  auto r = c.send("POST", "/api/products", admin.access_token,
                  R"({"name":")" + name + R"(","description":"","price_cents":500,"stock":5,)" +
                      R"("category":")" + category + R"("})");
  REQUIRE(r.status == 201);
  return r;
}

}  // namespace

TEST_CASE("categories: created with or without a slug, read one by one and listed in pages") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  auto before = c.request("GET", "/api/categories");
  REQUIRE(before.status == 200);
  const int64_t known = num(before.json(), "total");

  auto tea = c.send("POST", "/api/categories", admin.access_token,
                    R"({"slug":"tea-ware","name":"Tea ware","description":"Pots and cups"})");
  REQUIRE(tea.status == 201);
  CHECK(tea.header("location") == "/api/categories/tea-ware");
  CHECK(!tea.header("x-log-position").empty());
  const json::value made = member(tea.json(), "category");
  CHECK(str(made, "slug") == "tea-ware");
  CHECK(str(made, "name") == "Tea ware");
  CHECK(str(made, "description") == "Pots and cups");
  CHECK(num(made, "product_count") == 0);

  // No slug: made from the name.
  auto gear = c.send("POST", "/api/categories", admin.access_token, R"({"name":"Coffee Gear!"})");
  REQUIRE(gear.status == 201);
  CHECK(gear.header("location") == "/api/categories/coffee-gear");
  CHECK(str(member(gear.json(), "category"), "slug") == "coffee-gear");
  CHECK(str(member(gear.json(), "category"), "description") == "");

  // The same slug again is taken.
  auto again =
      c.send("POST", "/api/categories", admin.access_token, R"({"slug":"tea-ware","name":"X"})");
  CHECK(is_problem(again, 409, "already_exists"));

  auto one = read_after(c, "/api/categories/tea-ware", gear);
  REQUIRE(one.status == 200);
  CHECK(str(member(one.json(), "category"), "name") == "Tea ware");
  CHECK(is_problem(c.request("GET", "/api/categories/nothing-here"), 404, "not_found"));

  // Pages, ordered by name: every category once.
  auto all = read_after(c, "/api/categories?per_page=100", gear);
  REQUIRE(all.status == 200);
  CHECK(num(all.json(), "total") == known + 2);
  const json::array items = member(all.json(), "items").as_array();
  REQUIRE(static_cast<int64_t>(items.size()) == known + 2);
  for (size_t i = 1; i < items.size(); ++i)
    CHECK(str(items[i - 1], "name") <= str(items[i], "name"));
  std::vector<std::string> paged;
  for (int page = 1; page <= known + 2; ++page) {
    auto p = c.request("GET", "/api/categories?per_page=1&page=" + std::to_string(page));
    REQUIRE(p.status == 200);
    CHECK(num(p.json(), "page") == page);
    CHECK(num(p.json(), "per_page") == 1);
    CHECK(num(p.json(), "total") == known + 2);
    const json::array one_item = member(p.json(), "items").as_array();
    REQUIRE(one_item.size() == 1);
    paged.push_back(str(one_item[0], "slug"));
  }
  for (size_t i = 0; i < items.size(); ++i)
    CHECK(paged[i] == str(items[i], "slug"));
}

TEST_CASE("categories: a rename shows on every product view, by slug or by name") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  REQUIRE(c.send("POST", "/api/categories", admin.access_token,
                 R"({"slug":"tea-ware","name":"Tea ware"})")
              .status == 201);
  // Named by slug, and by name in another case: the same category.
  auto pot = create_product(c, admin, "Teapot", "tea-ware");
  auto cup = create_product(c, admin, "Tea cup", "TEA WARE");
  for (const auto* r : {&pot, &cup}) {
    const json::value p = member(r->json(), "product");
    CHECK(str(p, "category") == "Tea ware");
    CHECK(str(p, "category_slug") == "tea-ware");
  }

  auto renamed = c.send("PATCH", "/api/categories/tea-ware", admin.access_token,
                        R"({"name":"Teaware","description":"Everything for tea"})");
  REQUIRE(renamed.status == 200);
  CHECK(str(member(renamed.json(), "category"), "name") == "Teaware");
  CHECK(str(member(renamed.json(), "category"), "description") == "Everything for tea");
  CHECK(num(member(renamed.json(), "category"), "product_count") == 2);
  const std::string pot_id = str(member(pot.json(), "product"), "id");
  auto seen = read_after(c, "/api/products/" + pot_id, renamed);
  REQUIRE(seen.status == 200);
  CHECK(str(member(seen.json(), "product"), "category") == "Teaware");
  CHECK(str(member(seen.json(), "product"), "category_slug") == "tea-ware");
  auto listed = read_after(c, "/api/products?q=tea&per_page=100", renamed);
  REQUIRE(listed.status == 200);
  int teaware = 0;
  const json::array listed_items = member(listed.json(), "items").as_array();
  for (const auto& p : listed_items)
    teaware += str(p, "category") == "Teaware" ? 1 : 0;
  CHECK(teaware == 2);

  // A description alone keeps the name.
  auto described =
      c.send("PATCH", "/api/categories/tea-ware", admin.access_token, R"({"description":"Pots"})");
  REQUIRE(described.status == 200);
  CHECK(str(member(described.json(), "category"), "name") == "Teaware");
  CHECK(str(member(described.json(), "category"), "description") == "Pots");
}

TEST_CASE("categories: a product naming an unknown category creates it") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  CHECK(c.request("GET", "/api/categories/garden-tools").status == 404);
  auto rake = create_product(c, admin, "Rake", "Garden Tools");
  CHECK(str(member(rake.json(), "product"), "category") == "Garden Tools");
  CHECK(str(member(rake.json(), "product"), "category_slug") == "garden-tools");
  auto made = read_after(c, "/api/categories/garden-tools", rake);
  REQUIRE(made.status == 200);
  CHECK(str(member(made.json(), "category"), "name") == "Garden Tools");
  CHECK(num(member(made.json(), "category"), "product_count") == 1);
}

TEST_CASE("categories: deleting is refused while an active product uses one, allowed after") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  auto rake = create_product(c, admin, "Rake", "Garden Tools");
  const std::string rake_path = "/api/products/" + str(member(rake.json(), "product"), "id");
  REQUIRE(c.send("POST", "/api/categories", admin.access_token, R"({"name":"Sheds"})").status ==
          201);

  auto refused = c.send("DELETE", "/api/categories/garden-tools", admin.access_token);
  CHECK(is_problem(refused, 409, "category_in_use"));
  CHECK(read_after(c, "/api/categories/garden-tools", rake).status == 200);

  // The product moves to another category: the first one is free.
  auto moved = c.send("PATCH", rake_path, admin.access_token, R"({"category":"sheds"})");
  REQUIRE(moved.status == 200);
  CHECK(str(member(moved.json(), "product"), "category") == "Sheds");
  CHECK(str(member(moved.json(), "product"), "category_slug") == "sheds");
  auto deleted = c.send("DELETE", "/api/categories/garden-tools", admin.access_token);
  REQUIRE(deleted.status == 204);
  CHECK(!deleted.header("x-log-position").empty());
  CHECK(is_problem(read_after(c, "/api/categories/garden-tools", deleted), 404, "not_found"));
  CHECK(is_problem(c.send("DELETE", "/api/categories/garden-tools", admin.access_token), 404,
                   "not_found"));

  // A discontinued product does not hold its category.
  REQUIRE(c.send("DELETE", rake_path, admin.access_token).status == 204);
  CHECK(c.send("DELETE", "/api/categories/sheds", admin.access_token).status == 204);
}

TEST_CASE("categories: bad bodies name their fields, unknown slugs 404, customers 403") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  Session ada = server.register_user("ada");

  auto no_name = c.send("POST", "/api/categories", admin.access_token, R"({"description":"x"})");
  REQUIRE(is_problem(no_name, 422, "validation_failed"));
  CHECK(error_fields(no_name) == std::vector<std::string>{"name"});
  auto bad = c.send("POST", "/api/categories", admin.access_token,
                    R"({"slug":"Not A Slug","name":5,"colour":"red"})");
  REQUIRE(is_problem(bad, 422, "validation_failed"));
  CHECK(error_fields(bad) == std::vector<std::string>{"colour", "slug", "name"});
  for (const std::string& slug :
       std::vector<std::string>{"-edge", "edge-", "", std::string(65, 'a')}) {
    auto r = c.send("POST", "/api/categories", admin.access_token,
                    R"({"slug":")" + slug + R"(","name":"Edge"})");
    CHECK_MESSAGE(is_problem(r, 422, "validation_failed"), slug);
  }
  CHECK(is_problem(c.send("POST", "/api/categories", admin.access_token, "[1]"), 422,
                   "validation_failed"));

  REQUIRE(c.send("POST", "/api/categories", admin.access_token, R"({"name":"Sheds"})").status ==
          201);
  auto empty = c.send("PATCH", "/api/categories/sheds", admin.access_token, "{}");
  CHECK(is_problem(empty, 422, "validation_failed"));
  auto slug_change =
      c.send("PATCH", "/api/categories/sheds", admin.access_token, R"({"slug":"huts"})");
  REQUIRE(is_problem(slug_change, 422, "validation_failed"));
  CHECK(error_fields(slug_change) == std::vector<std::string>{"slug"});
  CHECK(is_problem(c.send("PATCH", "/api/categories/nope", admin.access_token, R"({"name":"x"})"),
                   404, "not_found"));

  // Customers and anonymous callers read, but never change.
  CHECK(is_problem(c.send("POST", "/api/categories", ada.access_token, R"({"name":"Mine"})"), 403,
                   "forbidden"));
  CHECK(is_problem(c.send("PATCH", "/api/categories/sheds", ada.access_token, R"({"name":"x"})"),
                   403, "forbidden"));
  CHECK(is_problem(c.send("DELETE", "/api/categories/sheds", ada.access_token), 403, "forbidden"));
  CHECK(
      is_problem(c.send("POST", "/api/categories", "", R"({"name":"Mine"})"), 401, "unauthorized"));
  CHECK(c.request("GET", "/api/categories/sheds").status == 200);
  CHECK(c.send("GET", "/api/categories", ada.access_token).status == 200);
}
