// The staff's user route parsers (api/rest/requests/users.h): the search's
// filters and the role change, or one invalid_argument naming every wrong
// field (answered as 422 validation_failed).
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/rest/requests/users.h"
#include "tests/api/rest/requests/parser_test_helpers.h"

using namespace orderly;
using namespace orderly::testing;
using namespace orderly::api::rest::requests;
namespace json = boost::json;

TEST_CASE("user parsers: the search's filters are optional, and checked when sent") {
  auto none = user_query_from(std::nullopt, std::nullopt, std::nullopt);
  REQUIRE(none.is_ok());
  CHECK(none->q.empty());
  CHECK(none->role.empty());
  CHECK(none->status.empty());
  auto all = user_query_from("Ada L", "admin", "deactivated");
  REQUIRE(all.is_ok());
  CHECK(all->q == "Ada L");
  CHECK(all->role == "admin");
  CHECK(all->status == "deactivated");
  for (const char* s : {"active", "closed"})
    CHECK(user_query_from(std::nullopt, std::nullopt, std::string(s)).is_ok());

  auto bad = user_query_from(std::string(kMaxUserQueryBytes + 1, 'a'), "root", "gone");
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
  CHECK(fields_of(bad.status()) == std::vector<std::string>{"q", "role", "status"});
  CHECK(user_query_from(std::string(kMaxUserQueryBytes, 'a'), std::nullopt, std::nullopt).is_ok());
  CHECK_FALSE(user_query_from(std::string("ada\nadmin"), std::nullopt, std::nullopt).is_ok());
  // Case matters: the API's values are lower case.
  CHECK_FALSE(user_query_from(std::nullopt, std::string("Admin"), std::nullopt).is_ok());
}

TEST_CASE("user parsers: a role change is customer or admin, and nothing else") {
  auto c = role_change_from(json::parse(R"({"role":"admin"})").as_object(), kId);
  REQUIRE(c.is_ok());
  CHECK(c->user_id == kId);
  CHECK(c->role == "admin");
  CHECK(role_change_from(json::parse(R"({"role":"customer"})").as_object(), kId).is_ok());
  for (const char* text : {R"({})", R"({"role":"root"})", R"({"role":1})", R"({"role":null})",
                           R"({"role":"admin","user_id":"x"})"}) {
    CAPTURE(text);
    auto bad = role_change_from(json::parse(text).as_object(), kId);
    REQUIRE_FALSE(bad.is_ok());
    CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
    CHECK_FALSE(bad.status().fields().empty());
  }
}
