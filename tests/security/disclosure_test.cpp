// What customers are told about their own notifications (issue 19): a
// failed email shows them a stable reason code and a plain sentence, never
// the SMTP server's host and port or the mail library's message; admins
// still see that detail, to fix the relay.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/security/checks.h"
#include "tests/support/free_port.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"

using namespace orderly::testing;

namespace {

// The first notification of `who`'s list once one has failed (or null).
json::value first_failed(HttpClient& c, const Session& who) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = c.send("GET", "/api/notifications?status=failed", who.access_token);
    if (r.status == 200) {
      const json::value v = r.json();
      const auto& items = v.as_object().at("items").as_array();
      if (!items.empty())
        return items[0];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return nullptr;
}

std::string text_or_empty(const json::value& n, std::string_view key) {
  const auto* v = n.as_object().if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

}  // namespace

TEST_CASE(
    "disclosure: a customer sees a plain reason for a failed email, an admin the SMTP detail") {
  // An SMTP server that is not there: every attempt fails with the
  // library's own words, naming the host and port.
  const uint16_t dead = free_port();
  OrderlyServer server({"--smtp-url", "smtp://127.0.0.1:" + std::to_string(dead)});
  auto c = server.client();
  const Session ada = server.register_user("ada");
  const Session admin = server.admin();
  const std::string cup = product_id(c, "espresso");
  REQUIRE(order_one(c, ada, cup).status == 201);

  const json::value mine = first_failed(c, ada);
  REQUIRE(mine.is_object());
  const std::string id = str(mine, "id");
  const std::string plain = text_or_empty(mine, "last_error");
  CAPTURE(plain);
  // Something is said, in plain words, with a stable code.
  CHECK(!plain.empty());
  CHECK(text_or_empty(mine, "last_error_code") == "delivery_failed");
  // Nothing of the shop's mail infrastructure.
  const std::string leaked = first_found(plain, {"127.0.0.1", std::to_string(dead), "smtp", "SMTP",
                                                 "curl", "port", "Failed to connect", "Couldn't"});
  CHECK_MESSAGE(leaked.empty(), "the customer sees: ", leaked);
  // Her single view says the same.
  auto one = c.send("GET", "/api/notifications/" + id, ada.access_token);
  REQUIRE(one.status == 200);
  CHECK(text_or_empty(one.json().as_object().at("notification"), "last_error") == plain);
  CHECK(one.body.find("127.0.0.1") == std::string::npos);

  // The admin sees the transport's detail, in the list and alone.
  auto staff = c.send("GET", "/api/notifications/" + id, admin.access_token);
  REQUIRE(staff.status == 200);
  const std::string detail =
      text_or_empty(staff.json().as_object().at("notification"), "last_error");
  CAPTURE(detail);
  CHECK(!detail.empty());
  CHECK(detail != plain);
  CHECK(text_or_empty(staff.json().as_object().at("notification"), "last_error_code") ==
        "delivery_failed");
  auto listed =
      c.send("GET", "/api/notifications?status=failed&user_id=" + ada.id, admin.access_token);
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find(json::serialize(json::value(detail))) != std::string::npos);
}
