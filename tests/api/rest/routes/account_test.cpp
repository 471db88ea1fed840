// The caller's own account over HTTP against a real `orderly serve`:
// profile, password change, closing, deactivated logins, saved addresses.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "commands/processor.h"
#include "eventstore/store.h"
#include "tests/api/shop_steps.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/problem.h"

using namespace orderly;
using namespace orderly::testing;
namespace json = boost::json;

namespace {

json::object user_of(const HttpResult& r) {
  return r.json().as_object().at("user").as_object();
}

// The fields a 422 or 409 names, in order.
std::vector<std::string> fields_of(const HttpResult& r) {
  std::vector<std::string> out;
  const auto v = r.json();
  if (const auto* o = v.if_object(); o && o->contains("errors")) {
    for (const auto& e : o->at("errors").as_array())
      out.push_back(str(e, "field"));
  }
  return out;
}

bool names(const HttpResult& r, const std::string& field) {
  const auto f = fields_of(r);
  return std::find(f.begin(), f.end(), field) != f.end();
}

HttpResult refresh(HttpClient& c, const Session& s) {
  return c.send("POST", "/api/auth/refresh", "",
                json::serialize(json::object{{"refresh_token", s.refresh_token}}));
}

HttpResult login(HttpClient& c, const std::string& email, const std::string& password) {
  return c.send("POST", "/api/auth/login", "",
                json::serialize(json::object{{"email", email}, {"password", password}}));
}

// Deactivates `user` as `orderly admin` does (the engine's role), on the
// stopped server's data directory, then starts the server again.
void deactivate_offline(OrderlyServer& server, const std::string& user) {
  REQUIRE(server.stop() == 0);
  {
    auto store = eventstore::EventStore::open(server.data_dir());
    REQUIRE(store);
    auto writer = commands::CommandProcessor::start(**store);
    REQUIRE(writer);
    commands::CommandMeta engine;
    engine.role = commands::Role::kEngine;
    const auto done = (*writer)->execute(
        commands::SetUserStatus{*Uuid::parse(user), "deactivated", "test"}, engine);
    REQUIRE_MESSAGE(done.is_ok(), done.status().message());
  }
  server.start();
}

constexpr const char* kHome =
    R"({"name":"Ada Lovelace","line1":"12 St James's Square","city":"London",)"
    R"("postal_code":"SW1Y 4JH","country":"GB"})";

}  // namespace

TEST_CASE("account: the profile in /me, its changes, unique names and a new email unverified") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  server.register_user("bob");
  Session admin = server.admin();

  auto me = c.send("GET", "/api/auth/me", ada.access_token);
  REQUIRE(me.status == 200);
  auto user = user_of(me);
  CHECK(str(user, "username") == "ada");
  CHECK(str(user, "display_name").empty());
  CHECK(str(user, "status") == "active");
  CHECK(user.at("email_verified") == false);
  CHECK(user.at("has_password") == true);
  CHECK(user.at("identities").as_array().empty());
  CHECK(!user.contains("password_hash"));

  auto changed = c.send("PATCH", "/api/auth/me", ada.access_token,
                        R"({"username":"ada_l","display_name":"Ada L."})");
  REQUIRE(changed.status == 200);
  CHECK(str(user_of(changed), "username") == "ada_l");
  CHECK(str(user_of(changed), "display_name") == "Ada L.");
  CHECK(!changed.header("x-log-position").empty());

  auto taken = c.send("PATCH", "/api/auth/me", ada.access_token, R"({"username":"BOB"})");
  CHECK(is_problem(taken, 409, "already_exists"));
  CHECK(names(taken, "username"));
  auto email_taken =
      c.send("PATCH", "/api/auth/me", ada.access_token, R"({"email":"Bob@Example.com"})");
  CHECK(is_problem(email_taken, 409, "already_exists"));
  CHECK(names(email_taken, "email"));

  auto wrong = c.send("PATCH", "/api/auth/me", ada.access_token,
                      R"({"username":"x","email":"not an email","display_name":7,"role":"admin"})");
  CHECK(is_problem(wrong, 422, "validation_failed"));
  for (const char* f : {"username", "email", "display_name", "role"})
    CHECK_MESSAGE(names(wrong, f), f);

  // A new email: recorded lower-case, unverified, with a verification for
  // the notifier to mail; login takes it at once.
  auto moved =
      c.send("PATCH", "/api/auth/me", ada.access_token, R"({"email":"Ada.New@Example.com"})");
  REQUIRE(moved.status == 200);
  CHECK(str(user_of(moved), "email") == "ada.new@example.com");
  CHECK(user_of(moved).at("email_verified") == false);
  auto issued = c.send("GET", "/api/admin/events?type=user.email_verification_issued&limit=100",
                       admin.access_token);
  REQUIRE(issued.status == 200);
  bool found = false;
  const auto events = issued.json();
  for (const auto& e : events.as_object().at("items").as_array()) {
    const auto& data = e.as_object().at("data");
    found = found || str(data, "email") == "ada.new@example.com";
    CHECK(data.as_object().at("token_hash").as_string().find("redacted") != json::string::npos);
  }
  CHECK(found);
  CHECK(login(c, "ada.new@example.com", "password-of-ada").status == 200);
  CHECK(login(c, "ada@example.com", "password-of-ada").status == 401);
}

TEST_CASE("account: a password change ends the other sessions and keeps the caller's") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session here = server.register_user("ada");
  Session elsewhere = server.login("ada@example.com", "password-of-ada");

  auto wrong = c.send("POST", "/api/auth/password", here.access_token,
                      R"({"current_password":"not-my-password","new_password":"a-new-secret-42"})");
  CHECK(is_problem(wrong, 401, "unauthorized"));
  auto missing = c.send("POST", "/api/auth/password", here.access_token,
                        R"({"new_password":"a-new-secret-42"})");
  CHECK(is_problem(missing, 422, "validation_failed"));
  CHECK(names(missing, "current_password"));
  auto weak = c.send("POST", "/api/auth/password", here.access_token,
                     R"({"current_password":"password-of-ada","new_password":"password"})");
  CHECK(is_problem(weak, 422, "validation_failed"));
  CHECK(names(weak, "new_password"));

  auto done = c.send("POST", "/api/auth/password", here.access_token,
                     R"({"current_password":"password-of-ada","new_password":"a-new-secret-42"})");
  REQUIRE(done.status == 204);
  CHECK(!done.header("x-log-position").empty());
  CHECK(refresh(c, elsewhere).status == 401);
  CHECK(refresh(c, here).status == 200);
  CHECK(login(c, "ada@example.com", "password-of-ada").status == 401);
  CHECK(login(c, "ada@example.com", "a-new-secret-42").status == 200);
}

TEST_CASE("account: closing ends login and sessions, keeps the orders, frees the email") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  Session admin = server.admin();
  const std::string order = place_order(server, ada);

  auto closed = c.send("DELETE", "/api/auth/me", ada.access_token);
  REQUIRE(closed.status == 204);
  CHECK(is_problem(login(c, "ada@example.com", "password-of-ada"), 401, "unauthorized"));
  CHECK(refresh(c, ada).status == 401);

  auto kept = c.send("GET", "/api/orders/" + order, admin.access_token);
  REQUIRE(kept.status == 200);
  CHECK(str(kept.json().as_object().at("order"), "user_status") == "closed");

  // The email and the username are free again: a new account, another id.
  Session again = server.register_user("ada");
  CHECK(again.id != ada.id);
}

TEST_CASE("account: a deactivated account logs in to 403 and refreshes to 401") {
  OrderlyServer server;
  Session ada = server.register_user("ada");
  deactivate_offline(server, ada.id);
  HttpClient c = server.client();
  auto refused = login(c, "ada@example.com", "password-of-ada");
  CHECK(is_problem(refused, 403, "forbidden"));
  CHECK(str(refused.json(), "detail") == "this account is deactivated");
  CHECK(is_problem(login(c, "ada@example.com", "a-wrong-password"), 401, "unauthorized"));
  CHECK(is_problem(refresh(c, ada), 401, "unauthorized"));
}

TEST_CASE("account: saved addresses with one default, keyed creation, 404 and 422") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  Session bob = server.register_user("bob");

  auto first = c.send("POST", "/api/auth/me/addresses", ada.access_token, kHome);
  REQUIRE(first.status == 201);
  const auto home = first.json().as_object().at("address");
  const std::string home_id = str(home, "id");
  CHECK(first.header("location") == "/api/auth/me/addresses/" + home_id);
  CHECK(home.at("is_default") == true);  // the first one is
  CHECK(str(home, "line2").empty());

  const std::string work_body =
      R"({"name":"Ada","line1":"1 Work Street","city":"Paris","postal_code":"75001",)"
      R"("country":"FR","phone":"+33 1 23 45 67 89"})";
  auto second = c.send("POST", "/api/auth/me/addresses", ada.access_token, work_body,
                       {{"Idempotency-Key", "work-1"}});
  REQUIRE(second.status == 201);
  const std::string work_id = str(second.json().as_object().at("address"), "id");
  CHECK(second.json().as_object().at("address").at("is_default") == false);
  auto retried = c.send("POST", "/api/auth/me/addresses", ada.access_token, work_body,
                        {{"Idempotency-Key", "work-1"}});
  CHECK(retried.status == 201);
  CHECK(str(retried.json().as_object().at("address"), "id") == work_id);

  auto moved = c.send("PATCH", "/api/auth/me/addresses/" + work_id, ada.access_token,
                      R"({"is_default":true,"city":"Lyon"})");
  REQUIRE(moved.status == 200);
  CHECK(str(moved.json().as_object().at("address"), "city") == "Lyon");
  auto list = c.send("GET", "/api/auth/me/addresses", ada.access_token);
  REQUIRE(list.status == 200);
  const auto items = list.json().as_object().at("items").as_array();
  REQUIRE(items.size() == 2);  // the keyed retry added none
  CHECK(items[0].at("is_default") == false);
  CHECK(items[1].at("is_default") == true);

  // Someone else's address is unknown to them.
  CHECK(is_problem(
      c.send("PATCH", "/api/auth/me/addresses/" + work_id, bob.access_token, R"({"city":"Nice"})"),
      404, "not_found"));
  CHECK(is_problem(c.send("DELETE", "/api/auth/me/addresses/" + work_id, bob.access_token), 404,
                   "not_found"));
  CHECK(c.send("GET", "/api/auth/me/addresses", bob.access_token)
            .json()
            .as_object()
            .at("items")
            .as_array()
            .empty());

  auto bad = c.send("POST", "/api/auth/me/addresses", ada.access_token,
                    R"({"line1":"x","city":"y","postal_code":"1","country":"fr","colour":"red"})");
  CHECK(is_problem(bad, 422, "validation_failed"));
  for (const char* f : {"name", "colour"})
    CHECK_MESSAGE(names(bad, f), f);
  auto bad_country =
      c.send("POST", "/api/auth/me/addresses", ada.access_token,
             R"({"name":"a","line1":"x","city":"y","postal_code":"1","country":"fr"})");
  CHECK(is_problem(bad_country, 422, "validation_failed"));
  CHECK(names(bad_country, "country"));
  auto bad_patch = c.send("PATCH", "/api/auth/me/addresses/" + home_id, ada.access_token,
                          R"({"phone":"call me"})");
  CHECK(is_problem(bad_patch, 422, "validation_failed"));
  CHECK(names(bad_patch, "phone"));

  // Removing the default passes it to the oldest left.
  REQUIRE(c.send("DELETE", "/api/auth/me/addresses/" + work_id, ada.access_token).status == 204);
  auto left = c.send("GET", "/api/auth/me/addresses", ada.access_token);
  const auto rest = left.json().as_object().at("items").as_array();
  REQUIRE(rest.size() == 1);
  CHECK(str(rest[0], "id") == home_id);
  CHECK(rest[0].at("is_default") == true);
  CHECK(is_problem(c.send("DELETE", "/api/auth/me/addresses/" + work_id, ada.access_token), 404,
                   "not_found"));
}

TEST_CASE("account: an order placed with a saved address keeps its snapshot after the edit") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  Session bob = server.register_user("bob");
  const std::string cup = first_product(c, "espresso");
  const std::string line = R"("items":[{"product_id":")" + cup + R"(","quantity":1}])";

  auto saved = c.send("POST", "/api/auth/me/addresses", ada.access_token, kHome);
  REQUIRE(saved.status == 201);
  const std::string home_id = str(saved.json().as_object().at("address"), "id");

  auto placed = c.send("POST", "/api/orders", ada.access_token,
                       "{" + line + R"(,"shipping_address_id":")" + home_id + "\"}");
  REQUIRE(placed.status == 201);
  const std::string order = str(placed.json().as_object().at("order"), "id");
  const auto snapshot = placed.json().as_object().at("order").at("shipping_address");
  REQUIRE(snapshot.is_object());
  CHECK(str(snapshot, "address_id") == home_id);
  CHECK(str(snapshot, "city") == "London");

  // The saved address moves; the order does not.
  REQUIRE(c.send("PATCH", "/api/auth/me/addresses/" + home_id, ada.access_token,
                 R"({"city":"Bath","postal_code":"BA1 1AA"})")
              .status == 200);
  auto later = c.send("GET", "/api/orders/" + order, ada.access_token);
  REQUIRE(later.status == 200);
  const auto kept = later.json().as_object().at("order").at("shipping_address");
  CHECK(str(kept, "city") == "London");
  CHECK(str(kept, "postal_code") == "SW1Y 4JH");

  // Another user's address id, or one that does not exist, is not a choice.
  auto foreign = c.send("POST", "/api/orders", bob.access_token,
                        "{" + line + R"(,"shipping_address_id":")" + home_id + "\"}");
  CHECK(is_problem(foreign, 422, "validation_failed"));
  CHECK(names(foreign, "shipping_address_id"));
  auto both = c.send("POST", "/api/orders", ada.access_token,
                     "{" + line + R"(,"shipping_address_id":")" + home_id +
                         R"(","shipping_address":"1 Main St"})");
  CHECK(is_problem(both, 422, "validation_failed"));
  CHECK(names(both, "shipping_address_id"));

  // An address given whole is kept whole (no address_id); text stays text.
  auto whole = c.send("POST", "/api/orders", bob.access_token,
                      "{" + line + R"(,"shipping_address":)" + kHome + "}");
  REQUIRE(whole.status == 201);
  const auto inline_address = whole.json().as_object().at("order").at("shipping_address");
  REQUIRE(inline_address.is_object());
  CHECK(!inline_address.as_object().contains("address_id"));
  CHECK(str(inline_address, "name") == "Ada Lovelace");
  auto bad_whole = c.send("POST", "/api/orders", bob.access_token,
                          "{" + line + R"(,"shipping_address":{"name":"Bob","line1":"x",)" +
                              R"("city":"y","postal_code":"1","country":"usa"}})");
  CHECK(is_problem(bad_whole, 422, "validation_failed"));
  CHECK(names(bad_whole, "shipping_address.country"));
  auto text = c.send("POST", "/api/orders", bob.access_token,
                     "{" + line + R"(,"shipping_address":"1 Main St"})");
  REQUIRE(text.status == 201);
  CHECK(text.json().as_object().at("order").at("shipping_address") == "1 Main St");

  // Checkout takes a saved address the same way.
  REQUIRE(c.send("POST", "/api/cart/items", ada.access_token,
                 R"({"product_id":")" + cup + R"(","quantity":2})")
              .status == 200);
  auto checkout = c.send("POST", "/api/cart/checkout", ada.access_token,
                         R"({"shipping_address_id":")" + home_id + "\"}");
  REQUIRE(checkout.status == 201);
  CHECK(str(checkout.json().as_object().at("order").at("shipping_address"), "city") == "Bath");
}
