// The catalog routes of issue 22 over real sockets: PUT /api/products/{id}
// (a full replace under If-Match, like PATCH) and the admins' listing of
// discontinued products (GET /api/products?status=).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/api/shop_steps.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/problem.h"

using namespace orderly::testing;

namespace {

std::string quoted(int64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

json::value product_of(const json::value& answer) {
  return answer.as_object().at("product");
}

std::vector<std::string> error_fields(const HttpResult& r) {
  std::vector<std::string> out;
  const json::value answer = r.json();  // the loop reads into it: kept alive
  for (const auto& e : answer.as_object().at("errors").as_array())
    out.push_back(str(e, "field"));
  return out;
}

// The ids of a page of GET /api/products as `token` (every page item).
std::vector<std::string> listed_ids(HttpClient& c, const std::string& query,
                                    const std::string& token, const std::string& min_position) {
  auto r = c.send("GET", "/api/products?per_page=100&" + query, token, "",
                  {{"X-Min-Position", min_position}});
  REQUIRE(r.status == 200);
  std::vector<std::string> ids;
  const json::value answer = r.json();  // the loop reads into it: kept alive
  for (const auto& p : answer.as_object().at("items").as_array())
    ids.push_back(str(p, "id"));
  return ids;
}

bool has(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

TEST_CASE("catalog: PUT replaces every editable field and honours If-Match like PATCH") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  const std::string path = "/api/products/" + first_product(c, "espresso");
  auto got = c.request("GET", path);
  REQUIRE(got.status == 200);
  const int64_t v1 = num(product_of(got.json()), "version");
  const int64_t stock = num(product_of(got.json()), "stock");

  // Every field replaced, stock untouched; the new version in the body and ETag.
  const std::string full =
      R"({"name":"Cup","description":"","price_cents":990,"category":"Tableware"})";
  auto put = c.send("PUT", path, admin.access_token, full, {{"If-Match", quoted(v1)}});
  REQUIRE(put.status == 200);
  const json::value p = product_of(put.json());
  CHECK(str(p, "name") == "Cup");
  CHECK(str(p, "description") == "");
  CHECK(num(p, "price_cents") == 990);
  CHECK(str(p, "category") == "Tableware");
  CHECK(num(p, "stock") == stock);
  const int64_t v2 = num(p, "version");
  CHECK(v2 > v1);
  CHECK(put.header("etag") == quoted(v2));

  // A stale If-Match, on PUT and on PATCH: 409 version_conflict, nothing changed.
  auto stale_put = c.send("PUT", path, admin.access_token,
                          R"({"name":"Lost","description":"x","price_cents":1,"category":"x"})",
                          {{"If-Match", quoted(v1)}});
  CHECK(is_problem(stale_put, 409, "version_conflict"));
  CHECK(num(stale_put.json(), "current_version") == v2);
  auto stale_patch =
      c.send("PATCH", path, admin.access_token, R"({"name":"Lost"})", {{"If-Match", quoted(v1)}});
  CHECK(is_problem(stale_patch, 409, "version_conflict"));
  auto now = c.request("GET", path);
  CHECK(str(product_of(now.json()), "name") == "Cup");
  // A GET's ETag is "<version>-<digest>" (conditional GETs): the version first.
  CHECK(now.header("etag").starts_with("\"" + std::to_string(v2) + "-"));

  // The current If-Match on PATCH goes through too.
  auto patched =
      c.send("PATCH", path, admin.access_token, R"({"name":"Mug"})", {{"If-Match", quoted(v2)}});
  REQUIRE(patched.status == 200);
  const int64_t v3 = num(product_of(patched.json()), "version");
  CHECK(v3 > v2);
  CHECK(patched.header("etag") == quoted(v3));

  // Without If-Match a PUT applies to whatever version is there.
  auto plain = c.send("PUT", path, admin.access_token,
                      R"({"name":"Bowl","description":"Deep","price_cents":1500,"category":"x"})");
  REQUIRE(plain.status == 200);
  CHECK(str(product_of(plain.json()), "name") == "Bowl");
  CHECK(plain.header("etag") == quoted(num(product_of(plain.json()), "version")));
}

TEST_CASE(
    "catalog: PUT refuses a partial body naming each missing field, customers and unknown ids") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  Session ada = server.register_user("ada");
  const std::string path = "/api/products/" + first_product(c, "espresso");
  const int64_t before = num(product_of(c.request("GET", path).json()), "version");

  auto partial = c.send("PUT", path, admin.access_token, R"({"name":"Cup"})");
  REQUIRE(is_problem(partial, 422, "validation_failed"));
  CHECK(error_fields(partial) ==
        std::vector<std::string>{"description", "category", "price_cents"});
  auto with_stock = c.send("PUT", path, admin.access_token,
                           R"({"name":"Cup","description":"","price_cents":1,"category":"x",)"
                           R"("stock":3})");
  REQUIRE(is_problem(with_stock, 422, "validation_failed"));
  CHECK(error_fields(with_stock) == std::vector<std::string>{"stock"});
  CHECK(num(product_of(c.request("GET", path).json()), "version") == before);

  const std::string full = R"({"name":"Cup","description":"","price_cents":1,"category":"x"})";
  CHECK(is_problem(c.send("PUT", path, ada.access_token, full), 403, "forbidden"));
  CHECK(is_problem(c.send("PUT", path, "", full), 401, "unauthorized"));
  CHECK(is_problem(
      c.send("PUT", "/api/products/0192f0c1-0000-7000-8000-00000000abcd", admin.access_token, full),
      404, "not_found"));
}

TEST_CASE("catalog: admins list discontinued products with ?status, others get 403") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  Session ada = server.register_user("ada");
  const std::string gone = first_product(c, "espresso");
  const std::string kept = first_product(c, "moka");
  auto deleted = c.send("DELETE", "/api/products/" + gone, admin.access_token);
  REQUIRE(deleted.status == 204);
  const std::string at = deleted.header("x-log-position");

  const auto active = listed_ids(c, "", admin.access_token, at);
  CHECK_FALSE(has(active, gone));
  CHECK(has(active, kept));
  CHECK(listed_ids(c, "status=active", "", at) == active);
  const auto discontinued = listed_ids(c, "status=discontinued", admin.access_token, at);
  CHECK(discontinued == std::vector<std::string>{gone});
  const auto all = listed_ids(c, "status=all", admin.access_token, at);
  CHECK(has(all, gone));
  CHECK(all.size() == active.size() + 1);
  auto page = c.send("GET", "/api/products?status=discontinued", admin.access_token);
  const json::value page_body = page.json();
  CHECK(str(page_body.as_object().at("items").as_array()[0], "status") == "discontinued");
  CHECK(num(page.json(), "total") == 1);

  for (const std::string status : {"discontinued", "all"}) {
    CHECK(is_problem(c.send("GET", "/api/products?status=" + status, ada.access_token), 403,
                     "forbidden"));
    CHECK(is_problem(c.request("GET", "/api/products?status=" + status), 403, "forbidden"));
  }
  auto unknown = c.send("GET", "/api/products?status=gone", admin.access_token);
  REQUIRE(is_problem(unknown, 422, "validation_failed"));
  CHECK(error_fields(unknown) == std::vector<std::string>{"status"});
}
