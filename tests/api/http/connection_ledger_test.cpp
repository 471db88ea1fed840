// The connection ledger's body share (api/http/connection_ledger.h): an
// address holds at most its share of request bodies, but one body of any
// admitted size (an admin's image upload, larger than the share) fits an
// address that holds none.
#include <doctest/doctest.h>

#include "api/http/connection_ledger.h"

using orderly::api::http::ConnectionLedger;
using orderly::api::http::ConnectionLimits;

TEST_CASE("connection ledger: an address holds its share of bodies, and one large body alone") {
  ConnectionLimits limits;
  limits.body_bytes_per_address = 4 << 20;
  ConnectionLedger ledger(limits);
  CHECK_FALSE(ledger.reserve_body("10.0.0.1", 1));  // no connection: nothing to hold a body
  REQUIRE(ledger.open("10.0.0.1"));
  REQUIRE(ledger.open("10.0.0.2"));
  // Small bodies up to the share, then refused.
  for (int i = 0; i < 4; ++i)
    CHECK(ledger.reserve_body("10.0.0.1", 1 << 20));
  CHECK_FALSE(ledger.reserve_body("10.0.0.1", 1));
  // A 10 MiB upload from an address holding nothing fits; a second does not.
  CHECK(ledger.reserve_body("10.0.0.2", 10 << 20));
  CHECK_FALSE(ledger.reserve_body("10.0.0.2", 1));
  ledger.release_body("10.0.0.2", 10 << 20);
  CHECK(ledger.reserve_body("10.0.0.2", 1 << 20));
  CHECK_FALSE(ledger.reserve_body("10.0.0.2", 10 << 20));  // holding one already
  ledger.release_body("10.0.0.1", 4 << 20);
  CHECK(ledger.reserve_body("10.0.0.1", 3 << 20));
}
