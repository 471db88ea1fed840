// The request parsers every route handler calls (api/rest/requests/): a body
// becomes its command, or one invalid_argument naming every wrong field,
// which the handler answers as 422 validation_failed.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/rest/requests/account.h"
#include "api/rest/requests/auth.h"
#include "api/rest/requests/catalog.h"
#include "api/rest/requests/email_tokens.h"
#include "api/rest/requests/notifications.h"
#include "api/rest/requests/orders.h"
#include "tests/api/rest/requests/parser_test_helpers.h"

using namespace orderly;
using namespace orderly::testing;
namespace json = boost::json;

TEST_CASE("request parsers: a valid product body is its command, with a sku made from the id") {
  auto c = api::rest::requests::create_product_from(
      body(R"({"name":"Cup","category":"kitchen","price_cents":1250,"stock":3})"), kId);
  REQUIRE(c.is_ok());
  CHECK(c->product_id == kId);
  CHECK(c->name == "Cup");
  // The id's millisecond and its counter within it (UUIDv7): two products
  // made in one millisecond get two SKUs.
  CHECK(c->sku == "SKU-" + kId.to_string().substr(0, 18));
  CHECK(c->currency.empty());  // the shop's
  CHECK(c->price_cents == 1250);
}

TEST_CASE("request parsers: every wrong field is named at once") {
  auto c = api::rest::requests::create_product_from(
      body(R"({"name":7,"colour":"red","stock":"x"})"), kId);
  REQUIRE_FALSE(c.is_ok());
  CHECK(c.status().code() == ErrorCode::kInvalidArgument);
  CHECK(c.status().message() == "the product is not valid");
  const auto named = fields_of(c.status());
  for (const char* f : {"colour", "name", "category", "price_cents", "stock"})
    CHECK(std::find(named.begin(), named.end(), f) != named.end());
}

TEST_CASE("request parsers: order lines are checked one by one") {
  auto ok = api::rest::requests::place_order_from(
      body(R"({"items":[{"product_id":"0192f0c1-0000-7000-8000-000000000002","quantity":2}]})"),
      kId, 900);
  REQUIRE(ok.is_ok());
  CHECK(ok->items.size() == 1);
  CHECK(ok->reservation_ttl_us == 900);
  auto bad =
      api::rest::requests::place_order_from(body(R"({"items":[{"quantity":2},"x"]})"), kId, 900);
  REQUIRE_FALSE(bad.is_ok());
  CHECK(fields_of(bad.status()) == std::vector<std::string>{"items[0].product_id", "items[1]"});
  CHECK_FALSE(api::rest::requests::place_order_from(body("{}"), kId, 900).is_ok());
}

TEST_CASE("request parsers: a stock change is absolute or a delta, never both") {
  CHECK(std::holds_alternative<commands::SetStock>(
      *api::rest::requests::stock_change_from(body(R"({"stock":5})"), kId)));
  CHECK(std::holds_alternative<commands::AdjustStock>(
      *api::rest::requests::stock_change_from(body(R"({"delta":-1})"), kId)));
  CHECK_FALSE(
      api::rest::requests::stock_change_from(body(R"({"stock":5,"delta":1})"), kId).is_ok());
  CHECK_FALSE(api::rest::requests::stock_change_from(body("{}"), kId).is_ok());
}

TEST_CASE("request parsers: a failed notification outcome needs its error") {
  CHECK(std::holds_alternative<commands::RecordNotificationSent>(
      *api::rest::requests::notification_outcome_from(body(R"({"status":"sent"})"), kId)));
  auto failed = api::rest::requests::notification_outcome_from(
      body(R"({"status":"failed","error":"550","will_retry":true})"), kId);
  REQUIRE(failed.is_ok());
  CHECK(std::get<commands::RecordNotificationFailed>(*failed).will_retry);
  auto missing =
      api::rest::requests::notification_outcome_from(body(R"({"status":"failed"})"), kId);
  REQUIRE_FALSE(missing.is_ok());
  CHECK(fields_of(missing.status()) == std::vector<std::string>{"error"});
  CHECK_FALSE(
      api::rest::requests::email_request_position_from(body(R"({"source_position":0})")).is_ok());
  CHECK(*api::rest::requests::email_request_position_from(body(R"({"source_position":7})")) == 7u);
}

TEST_CASE("request parsers: a registration's email is lower-cased and its password checked") {
  auto r = api::rest::requests::registration_from(
      body(R"({"username":"ada","email":"Ada@Example.com","password":"plum-kettle-orbit-42"})"));
  REQUIRE(r.is_ok());
  CHECK(r->email == "ada@example.com");
  auto bad = api::rest::requests::registration_from(
      body(R"({"username":"ada","email":"nope","password":"x"})"));
  REQUIRE_FALSE(bad.is_ok());
  CHECK(fields_of(bad.status()) == std::vector<std::string>{"email", "password"});
}

TEST_CASE("request parsers: a profile patch lower-cases the email and names each wrong field") {
  auto p = api::rest::requests::profile_patch_from(body(R"({"email":"Ada@Example.COM"})"));
  REQUIRE(p.is_ok());
  CHECK(*p->email == "ada@example.com");
  CHECK(!p->username);
  CHECK(!p->display_name);
  CHECK(api::rest::requests::profile_patch_from(body("{}")).is_ok());
  auto bad = api::rest::requests::profile_patch_from(
      body(R"({"username":"a b","email":"nope","display_name":"x\u0001","id":1})"));
  REQUIRE(!bad.is_ok());
  CHECK(fields_of(bad.status()) ==
        std::vector<std::string>{"id", "username", "email", "display_name"});
}

TEST_CASE("request parsers: a password change checks the new password against the account") {
  auto ok = api::rest::requests::password_change_from(
      body(R"({"current_password":"old-one","new_password":"a-new-secret-42"})"), "ada",
      "ada@example.com");
  REQUIRE(ok.is_ok());
  CHECK(*ok->current_password == "old-one");
  auto no_current = api::rest::requests::password_change_from(
      body(R"({"new_password":"a-new-secret-42"})"), "ada", "ada@example.com");
  REQUIRE(no_current.is_ok());  // the route decides whether the account needs it
  CHECK(!no_current->current_password);
  auto own_name = api::rest::requests::password_change_from(
      body(R"({"current_password":1,"new_password":"ada2024"})"), "ada", "ada@example.com");
  REQUIRE(!own_name.is_ok());
  CHECK(fields_of(own_name.status()) ==
        std::vector<std::string>{"current_password", "new_password"});
}

TEST_CASE("request parsers: an address needs its lines, a country code and a phone of digits") {
  auto a = api::rest::requests::address_from(
      body(R"({"name":"Ada","line1":"1 Main St","city":"London","postal_code":"SW1Y 4JH",)"
           R"("country":"GB","is_default":true})"),
      kId);
  REQUIRE(a.is_ok());
  CHECK(a->address_id == kId);
  CHECK(a->is_default);
  CHECK(a->line2.empty());
  auto bad = api::rest::requests::address_from(
      body(R"({"line1":"1 Main St","city":"London","postal_code":"1","country":"gb",)"
           R"("phone":"call me","is_default":"yes"})"),
      kId);
  REQUIRE(!bad.is_ok());
  CHECK(fields_of(bad.status()) == std::vector<std::string>{"name", "is_default"});
  auto rules = api::rest::requests::address_from(
      body(R"({"name":"Ada","line1":"1 Main St","city":"London","postal_code":"1",)"
           R"("country":"gb","phone":"call me"})"),
      kId);
  REQUIRE(!rules.is_ok());
  CHECK(fields_of(rules.status()) == std::vector<std::string>{"country", "phone"});
  auto patch =
      api::rest::requests::address_patch_from(body(R"({"city":"Lyon","is_default":true})"));
  REQUIRE(patch.is_ok());
  CHECK(*patch->city == "Lyon");
  CHECK(*patch->is_default);
  CHECK(!patch->name);
  CHECK(!api::rest::requests::address_patch_from(body(R"({"town":"Lyon"})")).is_ok());
}

TEST_CASE("request parsers: email token bodies name each wrong field, never echoing a token") {
  auto token = api::rest::requests::email_token_text_from(body(R"({"token":"a.b.c"})"));
  REQUIRE(token.is_ok());
  CHECK(*token == "a.b.c");
  auto extra = api::rest::requests::email_token_text_from(body(R"({"token":"t","more":1})"));
  REQUIRE_FALSE(extra.is_ok());
  CHECK(fields_of(extra.status()) == std::vector<std::string>{"more"});
  const std::string long_token(300, 'x');
  auto too_long =
      api::rest::requests::email_token_text_from(body(R"({"token":")" + long_token + R"("})"));
  REQUIRE_FALSE(too_long.is_ok());
  CHECK(too_long.status().to_string().find(long_token) == std::string::npos);

  auto email = api::rest::requests::reset_request_from(body(R"({"email":"Ada@Example.COM"})"));
  REQUIRE(email.is_ok());
  CHECK(*email == "ada@example.com");
  auto no_email = api::rest::requests::reset_request_from(body(R"({"email":"nope"})"));
  REQUIRE_FALSE(no_email.is_ok());
  CHECK(fields_of(no_email.status()) == std::vector<std::string>{"email"});

  auto confirm = api::rest::requests::reset_confirm_from(
      body(R"({"token":"a.b.c","new_password":"plum-kettle-orbit-42"})"));
  REQUIRE(confirm.is_ok());
  CHECK(confirm->new_password == "plum-kettle-orbit-42");
  auto bad = api::rest::requests::reset_confirm_from(body(R"({"new_password":"x"})"));
  REQUIRE_FALSE(bad.is_ok());
  CHECK(fields_of(bad.status()) == std::vector<std::string>{"token", "new_password"});
}
