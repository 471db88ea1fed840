// Issue 19: analytics grew without bound: 32,014 distinct searches in 30 s
// were each recorded, an analytics.recorded event was about 220 KB, and one
// admin events page (limit=1000) was 6.9 MB. Now each interval records at
// most 200 distinct searches (the rest counted as "(other)"), an event's
// entries are at most 64 KiB, the stats model ages rare searches out, and
// an events page stops at about 1 MiB (next_position goes on from there).
#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <thread>

#include "tests/security/checks.h"

using namespace orderly::testing;

namespace {

// Every event of `type` (all if empty), walking the pages; the largest
// page's body size in *largest_page.
std::vector<json::value> all_events(HttpClient& c, const Session& admin, const std::string& type,
                                    size_t* largest_page = nullptr) {
  std::vector<json::value> out;
  uint64_t from = 1;
  for (int pages = 0; pages < 10'000; ++pages) {
    const HttpResult r =
        c.send("GET",
               "/api/admin/events?limit=1000&from_position=" + std::to_string(from) +
                   (type.empty() ? "" : "&type=" + type),
               admin.access_token);
    REQUIRE(r.status == 200);
    if (largest_page)
      *largest_page = std::max(*largest_page, r.body.size());
    const json::value page = r.json();
    const auto& items = page.as_object().at("items").as_array();
    if (items.empty())
      break;
    for (const auto& e : items)
      out.push_back(e);
    from = page.as_object().at("next_position").to_number<uint64_t>();
  }
  return out;
}

}  // namespace

TEST_CASE("analytics: a flood of distinct searches is bounded in names and in bytes per event") {
  OrderlyServer server({"--no-demo"});
  HttpClient c = server.client();
  const Session admin = server.admin();
  constexpr int kSearches = 1500;
  int accepted = 0;
  for (int i = 0; i < kSearches; ++i) {
    // Long, distinct queries: the attack's made-up searches.
    const std::string q = "zz" + std::to_string(i) + " " + std::string(150, 'q');
    const HttpResult r = c.send("POST", "/api/analytics/events", "",
                                json::serialize(json::object{{"type", "search"}, {"query", q}}));
    if (r.status == 202)
      ++accepted;
  }
  REQUIRE(accepted > 1000);
  // Wait until every accepted search is counted in the log.
  std::vector<json::value> events;
  uint64_t counted = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    events = all_events(c, admin, "analytics.recorded");
    counted = 0;
    for (const auto& e : events) {
      const auto& data = e.as_object().at("data").as_object();
      if (data.contains("searches")) {
        for (const auto& s : data.at("searches").as_array())
          counted += s.as_object().at("count").to_number<uint64_t>();
      }
    }
    if (counted >= static_cast<uint64_t>(accepted))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(counted == static_cast<uint64_t>(accepted));
  std::set<std::string> named;
  uint64_t other = 0;
  size_t largest_event = 0, most_named_in_one = 0;
  for (const auto& e : events) {
    largest_event = std::max(largest_event, json::serialize(e).size());
    const auto& data = e.as_object().at("data").as_object();
    if (!data.contains("searches"))
      continue;
    size_t in_this = 0;
    for (const auto& s : data.at("searches").as_array()) {
      const std::string q = str(s, "query");
      if (q == "(other)") {
        other += s.as_object().at("count").to_number<uint64_t>();
      } else {
        named.insert(q);
        ++in_this;
      }
    }
    most_named_in_one = std::max(most_named_in_one, in_this);
  }
  MESSAGE(events.size() << " analytics events, " << named.size() << " searches named, " << other
                        << " counted as (other), largest event " << largest_event << " bytes");
  CHECK(largest_event <= 80'000);
  // At most 200 named per recording interval (one event each here), the
  // rest counted, not named.
  CHECK(most_named_in_one <= 200);
  CHECK(named.size() + other == static_cast<uint64_t>(accepted));
  CHECK(other > 0);
  CHECK(server.stop() == 0);
}

TEST_CASE("analytics: an admin events page is bounded in bytes, next_position goes on") {
  OrderlyServer server({"--no-demo", "--rate-limit-user", "0"});
  HttpClient c = server.client();
  const Session admin = server.admin();
  // 400 products with 4,000-character descriptions: 1.6 MB of events.
  for (int i = 0; i < 400; ++i) {
    const HttpResult r = create_product(c, admin,
                                        {"Big " + std::to_string(i), "BIG-" + std::to_string(i),
                                         std::string(4000, 'd'), "big", 100, 1});
    REQUIRE(r.status == 201);
  }
  const HttpResult page = c.send("GET", "/api/admin/events?limit=1000", admin.access_token);
  REQUIRE(page.status == 200);
  MESSAGE("one page of limit=1000: " << page.body.size() << " bytes");
  CHECK(page.body.size() <= (1u << 20) + 64 * 1024);
  // Walking the pages still returns every event once, in order.
  size_t largest = 0;
  const std::vector<json::value> all = all_events(c, admin, "", &largest);
  uint64_t expected = 1;
  bool in_order = true;
  for (const auto& e : all)
    in_order = in_order && e.as_object().at("position").to_number<uint64_t>() == expected++;
  CHECK(in_order);
  CHECK(all.size() >= 401);
  CHECK(largest <= (1u << 20) + 64 * 1024);
  CHECK(server.stop() == 0);
}
