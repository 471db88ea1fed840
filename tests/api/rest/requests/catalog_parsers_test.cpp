// The catalog's request parsers of issue 22 (api/rest/requests/catalog.h):
// a full product replace names every field it misses; categories
// (api/rest/requests/categories.h) get a slug from their name.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/rest/requests/catalog.h"
#include "api/rest/requests/categories.h"
#include "tests/api/rest/requests/parser_test_helpers.h"

using namespace orderly;
using namespace orderly::testing;
namespace json = boost::json;

TEST_CASE("catalog parsers: a full replace sets every editable field") {
  auto u = api::rest::requests::replace_product_from(
      body(R"({"name":"Cup","description":"","price_cents":990,"category":"kitchen"})"), kId);
  REQUIRE(u.is_ok());
  CHECK(u->product_id == kId);
  CHECK(u->name == "Cup");
  CHECK(u->description == "");  // sent empty: set empty, not kept
  CHECK(u->price_cents == 990);
  CHECK(u->category == "kitchen");
}

TEST_CASE("catalog parsers: a full replace names each missing field, and refuses stock") {
  auto none = api::rest::requests::replace_product_from(body("{}"), kId);
  REQUIRE_FALSE(none.is_ok());
  CHECK(none.status().code() == ErrorCode::kInvalidArgument);
  CHECK(fields_of(none.status()) ==
        std::vector<std::string>{"name", "description", "category", "price_cents"});
  auto some = api::rest::requests::replace_product_from(
      body(R"({"name":"Cup","price_cents":"9","stock":4,"category":null})"), kId);
  REQUIRE_FALSE(some.is_ok());
  CHECK(fields_of(some.status()) ==
        std::vector<std::string>{"stock", "description", "category", "price_cents"});
  // PATCH keeps taking any subset.
  CHECK(api::rest::requests::update_product_from(body(R"({"name":"Cup"})"), kId).is_ok());
}

TEST_CASE("catalog parsers: a new category gets its slug from its name when it has none") {
  auto named = api::rest::requests::create_category_from(body(R"({"name":"Coffee Gear!"})"));
  REQUIRE(named.is_ok());
  CHECK(named->slug == "coffee-gear");
  CHECK(named->name == "Coffee Gear!");
  CHECK(named->description == "");
  auto slugged = api::rest::requests::create_category_from(
      body(R"({"slug":"tea","name":"Tea ware","description":"Pots"})"));
  REQUIRE(slugged.is_ok());
  CHECK(slugged->slug == "tea");
  CHECK(slugged->description == "Pots");
}

TEST_CASE("catalog parsers: a category's wrong fields are all named") {
  auto bad = api::rest::requests::create_category_from(
      body(R"({"slug":"Not A Slug","name":"","colour":1})"));
  REQUIRE_FALSE(bad.is_ok());
  CHECK(fields_of(bad.status()) == std::vector<std::string>{"colour", "slug", "name"});
  for (const std::string& slug :
       std::vector<std::string>{"-a", "a-", "a--b", "", std::string(65, 'a')}) {
    CHECK_FALSE_MESSAGE(
        api::rest::requests::create_category_from(body(R"({"slug":")" + slug + R"(","name":"x"})"))
            .is_ok(),
        slug);
  }
  CHECK(fields_of(api::rest::requests::create_category_from(body("{}")).status()) ==
        std::vector<std::string>{"name"});
}

TEST_CASE("catalog parsers: a category change sends a name, a description or both") {
  auto both =
      api::rest::requests::change_category_from(body(R"({"name":"Tea","description":""})"), "tea");
  REQUIRE(both.is_ok());
  CHECK(both->slug == "tea");
  CHECK(both->name == "Tea");
  CHECK(both->description == "");
  auto desc = api::rest::requests::change_category_from(body(R"({"description":"x"})"), "tea");
  REQUIRE(desc.is_ok());
  CHECK_FALSE(desc->name.has_value());
  CHECK(fields_of(api::rest::requests::change_category_from(body("{}"), "tea").status()) ==
        std::vector<std::string>{"name"});
  CHECK(fields_of(
            api::rest::requests::change_category_from(body(R"({"slug":"x"})"), "tea").status()) ==
        std::vector<std::string>{"slug"});
}
