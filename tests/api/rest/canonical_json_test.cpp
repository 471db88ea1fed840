// Canonical JSON, which idempotency fingerprints hash (api/rest/canonical_json.h).
#include "api/rest/canonical_json.h"

#include <doctest/doctest.h>

using orderly::api::rest::canonical_json;

TEST_CASE("canonical json: the same meaning spelt differently is the same text") {
  const auto compact =
      canonical_json(R"({"items":[{"product_id":"p1","quantity":2}],"note":"a b"})");
  REQUIRE(compact.has_value());
  CHECK(*compact == R"({"items":[{"product_id":"p1","quantity":2}],"note":"a b"})");
  // Whitespace, key order (nested too) and escapes that mean the same thing.
  CHECK(canonical_json(" {\n \"note\" : \"a\\u0020b\",\t\"items\":[ {\"quantity\":2 , "
                       "\"product_id\":\"p1\"} ] } ") == compact);
}

TEST_CASE("canonical json: another meaning is another text") {
  const auto base = canonical_json(R"({"items":[{"product_id":"p1","quantity":2}]})");
  CHECK(canonical_json(R"({"items":[{"product_id":"p1","quantity":3}]})") != base);
  CHECK(canonical_json(R"({"items":[{"product_id":"p2","quantity":2}]})") != base);
  // Array order is meaning.
  CHECK(canonical_json(R"([1,2])") != canonical_json(R"([2,1])"));
  // A string is not a number.
  CHECK(canonical_json(R"({"q":"2"})") != canonical_json(R"({"q":2})"));
  CHECK(canonical_json(R"({"a":null})") != canonical_json(R"({})"));
}

TEST_CASE("canonical json: what is not JSON has no canonical form") {
  CHECK_FALSE(canonical_json("").has_value());
  CHECK_FALSE(canonical_json("{\"a\":").has_value());
  CHECK_FALSE(canonical_json("not json").has_value());
}
