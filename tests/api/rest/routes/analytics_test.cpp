// The analytics endpoints over HTTP against a real server (admin only):
// today's window of an order paid and partly refunded and one cancelled,
// a product viewed and searched for; the buckets of a revenue chart; and
// the 422s naming the wrong parameter. The same numbers across days, on
// chosen dates, are checked on the read model (tests/projections/stats_windows_test.cpp):
// a server's log holds only events of its own clock.
#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <string>

#include "tests/api/shop_steps.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/problem.h"
#include "tests/support/shop_requests.h"
#include "tests/support/wait_until.h"

using namespace orderly::testing;
using namespace std::chrono_literals;

namespace {

// Today's date in UTC, "YYYY-MM-DD".
std::string today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// The weekday (ISO: 1 Monday .. 7 Sunday) of an RFC 3339 text's date.
unsigned iso_weekday(const std::string& rfc3339) {
  const int y = std::stoi(rfc3339.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(rfc3339.substr(5, 2)));
  const unsigned d = static_cast<unsigned>(std::stoi(rfc3339.substr(8, 2)));
  const std::chrono::sys_days day{std::chrono::year(y) / std::chrono::month(m) /
                                  std::chrono::day(d)};
  return std::chrono::weekday(day).iso_encoding();
}

json::array items_of(const HttpResult& r) {
  return r.json().as_object().at("items").as_array();
}

}  // namespace

TEST_CASE("analytics: popular products, trending searches and revenue of today, over HTTP") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  Session ada = server.register_user("ada");
  const std::string cup = first_product(c, "espresso");    // a search, counted
  auto viewed = c.request("GET", "/api/products/" + cup);  // a view, counted
  REQUIRE(viewed.status == 200);
  const int64_t price = num(viewed.json().as_object().at("product"), "price_cents");

  // One order paid, 100 of it refunded; one cancelled while pending.
  const std::string paid = place_order(c, ada, cup);
  auto payment =
      c.send("POST", "/api/payments", ada.access_token, R"({"order_id":")" + paid + R"("})");
  REQUIRE(payment.status == 201);
  const std::string pay_id = str(payment.json().as_object().at("payment"), "id");
  REQUIRE(c.send("POST", "/api/payments/" + pay_id + "/confirm", ada.access_token,
                 R"({"payment_method":"pm_card_ok"})")
              .status == 200);
  auto refund = c.send("POST", "/api/payments/" + pay_id + "/refund", admin.access_token,
                       R"({"amount_cents":100})");
  REQUIRE(refund.status == 200);
  const std::string cancelled = place_order(c, ada, cup);
  auto cancel = c.send("POST", "/api/orders/" + cancelled + "/cancel", ada.access_token);
  REQUIRE(cancel.status == 200);
  const std::string position = cancel.header("x-log-position");

  auto get = [&](const std::string& target) {
    return c.send("GET", target, admin.access_token, "", {{"X-Min-Position", position}});
  };

  SUBCASE("revenue by day: 30 buckets up to today, today's numbers in the last") {
    auto r = get("/api/analytics/revenue");
    REQUIRE(r.status == 200);
    const json::value answer = r.json();
    const auto& body = answer.as_object();
    CHECK(str(body, "interval") == "day");
    CHECK(str(body, "currency") == "USD");
    const auto& buckets = body.at("buckets").as_array();
    REQUIRE(buckets.size() == 30);  // the empty days too
    CHECK(str(body, "from") == str(buckets[0], "start"));
    const auto& last = buckets.back();
    CHECK(str(last, "start") == today() + "T00:00:00.000Z");
    CHECK(num(last, "revenue_cents") == price - 100);
    CHECK(num(last, "refunds_cents") == 100);
    CHECK(num(last, "orders") == 2);  // placed today, whatever became of them
    CHECK(num(buckets[0], "revenue_cents") == 0);
    CHECK(num(body, "total_cents") == price - 100);
    CHECK(num(body, "orders") == 2);
  }

  SUBCASE("revenue by week and month: buckets start on Monday and on the 1st") {
    auto weeks = get("/api/analytics/revenue?interval=week&from=" + today());
    REQUIRE(weeks.status == 200);
    const json::value week_answer = weeks.json();
    const auto& w = week_answer.as_object().at("buckets").as_array();
    REQUIRE(w.size() == 1);
    CHECK(iso_weekday(str(w[0], "start")) == 1);
    CHECK(num(w[0], "revenue_cents") == price - 100);
    auto months = get("/api/analytics/revenue?interval=month");
    REQUIRE(months.status == 200);
    const json::value month_answer = months.json();
    for (const auto& b : month_answer.as_object().at("buckets").as_array())
      CHECK(str(b, "start").substr(8, 2) == "01");
    CHECK(num(months.json(), "total_cents") == price - 100);
  }

  SUBCASE("popular products by units, revenue and views") {
    auto units = get("/api/analytics/products/popular?by=units");
    REQUIRE(units.status == 200);
    REQUIRE(items_of(units).size() == 1);  // only the paid order's product sold
    const json::value top = items_of(units)[0];
    CHECK(str(top, "product_id") == cup);
    CHECK(num(top, "units") == 1);
    CHECK(num(top, "revenue_cents") == price);
    CHECK(str(units.json(), "by") == "units");
    // Views and searches are recorded in batches (about once a second).
    HttpResult views;
    CHECK(poll_until(
        [&] {
          views = get("/api/analytics/products/popular?by=views&limit=5");
          return views.status == 200 && !items_of(views).empty();
        },
        10s, 50ms));
    REQUIRE(!items_of(views).empty());
    CHECK(str(items_of(views)[0], "product_id") == cup);
    CHECK(num(items_of(views)[0], "views") >= 1);
  }

  SUBCASE("trending searches with the previous window's count") {
    HttpResult trending;
    CHECK(poll_until(
        [&] {
          trending = get("/api/analytics/searches/trending?limit=3");
          return trending.status == 200 && !items_of(trending).empty();
        },
        10s, 50ms));
    REQUIRE(!items_of(trending).empty());
    const json::value first = items_of(trending)[0];
    CHECK(str(first, "query") == "espresso");
    CHECK(num(first, "count") >= 1);
    CHECK(num(first, "previous_count") == 0);
    CHECK(num(first, "change") == num(first, "count"));
    CHECK(!str(trending.json(), "previous_from").empty());
  }

  SUBCASE("a window before any sale is empty, not missing") {
    auto r = get("/api/analytics/revenue?from=2020-01-01&to=2020-01-08&interval=day");
    REQUIRE(r.status == 200);
    CHECK(r.json().as_object().at("buckets").as_array().size() == 7);
    CHECK(num(r.json(), "total_cents") == 0);
    auto popular = get("/api/analytics/products/popular?from=2020-01-01T00:00:00Z&to=2020-02-01");
    REQUIRE(popular.status == 200);
    CHECK(items_of(popular).empty());
  }
}

TEST_CASE("analytics: bad parameters are 422 naming them, and only admins may ask") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  Session ada = server.register_user("ada");
  auto field_of = [](const HttpResult& r) {
    const json::value problem = r.json();
    const auto& errors = problem.as_object().at("errors").as_array();
    return errors.empty() ? std::string() : str(errors[0], "field");
  };
  const std::pair<std::string, std::string> cases[] = {
      {"/api/analytics/revenue?from=yesterday", "from"},
      {"/api/analytics/revenue?from=2026-01-02&to=2026-01-01", "to"},
      {"/api/analytics/revenue?from=2020-01-01&to=2026-01-01", "from"},  // too long for days
      {"/api/analytics/revenue?interval=year", "interval"},
      {"/api/analytics/products/popular?by=likes", "by"},
      {"/api/analytics/products/popular?limit=0", "limit"},
      {"/api/analytics/searches/trending?limit=1000", "limit"},
      {"/api/analytics/searches/trending?to=2026-13-01", "to"},
  };
  for (const auto& [target, field] : cases) {
    CAPTURE(target);
    auto r = c.send("GET", target, admin.access_token);
    CHECK(is_problem(r, 422, "validation_failed"));
    CHECK(field_of(r) == field);
  }
  for (const char* target : {"/api/analytics/revenue", "/api/analytics/products/popular",
                             "/api/analytics/searches/trending"}) {
    CAPTURE(target);
    CHECK(is_problem(c.send("GET", target, ada.access_token), 403, "forbidden"));
    CHECK(is_problem(c.request("GET", target), 401, "unauthorized"));
  }
}
