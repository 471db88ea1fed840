// Issue 19: registering with someone else's address and looping
// place/cancel on a 1-cent product sent 1,311 emails to that address in
// 10 s. Now each recipient gets at most a burst (5) and then a steady rate
// (1 a minute) and 50 a day; the rest are recorded as failed, their
// last_error starting "suppressed:", and never sent.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/security/checks.h"

using namespace orderly::testing;

namespace {

size_t emails_in(const std::string& outbox) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(outbox, ec)) {
    if (f.path().extension() == ".eml")
      ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("email flood: place and cancel in a loop sends a bounded number of emails") {
  OrderlyServer server({"--no-demo"});
  HttpClient c = server.client();
  const Session admin = server.admin();
  // Mallory registers with the victim's address.
  const Session mallory =
      session_of(c.send("POST", "/api/auth/register", "",
                        json::serialize(json::object{{"username", "mallory"},
                                                     {"email", "victim@example.com"},
                                                     {"password", "password-of-mallory"}})));
  const HttpResult made =
      create_product(c, admin, {"Penny sweet", "SWEET-1", "d", "sweets", 1, 1000});
  REQUIRE(made.status == 201);
  const std::string sweet = str(made.json().as_object().at("product"), "id");
  constexpr int kLoops = 60;  // 2 emails each: order received, order cancelled
  // And the registration's verification link, the first in the burst.
  constexpr size_t kEmails = 2 * kLoops + 1;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kLoops; ++i) {
    const HttpResult placed = order_one(c, mallory, sweet);
    REQUIRE(placed.status == 201);
    const std::string id = str(placed.json().as_object().at("order"), "id");
    REQUIRE(c.send("POST", "/api/orders/" + id + "/cancel", mallory.access_token).status == 200);
  }
  // Every email the loop caused is decided: sent, or recorded as suppressed.
  json::array history;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    history.clear();
    for (int page = 1; page <= 3; ++page) {
      const HttpResult r =
          c.send("GET",
                 "/api/notifications?channel=email&per_page=100&page=" + std::to_string(page) +
                     "&user_id=" + mallory.id,
                 admin.access_token);
      REQUIRE(r.status == 200);
      const json::value listed = r.json();
      for (const auto& n : listed.as_object().at("items").as_array())
        history.push_back(n);
    }
    bool settled = history.size() == kEmails;
    for (const auto& n : history)
      settled = settled && str(n, "status") != "pending";
    if (settled)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const double minutes =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() / 60;
  REQUIRE(history.size() == kEmails);
  size_t sent = 0, suppressed = 0;
  for (const auto& n : history) {
    if (str(n, "status") == "sent")
      ++sent;
    else if (str(n, "status") == "failed" && str(n, "last_error").rfind("suppressed:", 0) == 0)
      ++suppressed;
  }
  const size_t in_outbox = emails_in(server.data_dir() + "/outbox");
  MESSAGE(in_outbox << " emails written, " << sent << " sent and " << suppressed
                    << " suppressed in the history, over " << minutes << " minutes");
  // A burst of 5, then 1 a minute.
  const auto allowed = static_cast<size_t>(5 + minutes + 1);
  CHECK(in_outbox <= allowed);
  CHECK(sent == in_outbox);
  CHECK(sent + suppressed == kEmails);  // the history says what became of each
  CHECK(server.stop() == 0);
}
