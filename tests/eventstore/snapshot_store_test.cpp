// The snapshot store: whole snapshots back, replaced atomically, across
// reopening, of any size.
#include <doctest/doctest.h>

#include <random>

#include "eventstore/snapshot_store.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::eventstore;
using namespace orderly::testing;

namespace {

std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng());
  return s;
}

}  // namespace

TEST_CASE("snapshot store: none, then saved and replaced whole, across reopening") {
  TempDir dir;
  const std::string big = random_bytes((9 << 20) + 123, 1);  // three chunks
  {
    auto store = std::move(SnapshotStore::open(dir.path()).value());
    auto none = store->load("orders");
    REQUIRE(none.is_ok());
    CHECK_FALSE(none->has_value());
    CHECK(*store->position("orders") == 0);

    REQUIRE(store->save("orders", big, 1000).is_ok());
    auto got = std::move(store->load("orders").value());
    REQUIRE(got.has_value());
    CHECK(got->position == 1000);
    CHECK(got->bytes == big);
    // A smaller one replaces it whole (no chunk of the bigger one left).
    REQUIRE(store->save("orders", "small", 1200).is_ok());
    got = std::move(store->load("orders").value());
    CHECK(got->bytes == "small");
    CHECK(got->position == 1200);
    // Names are independent; an empty snapshot is a snapshot.
    REQUIRE(store->save("catalog", "", 7).is_ok());
    CHECK(std::move(store->load("catalog").value())->bytes.empty());
    CHECK(*store->position("catalog") == 7);
  }
  auto store = std::move(SnapshotStore::open(dir.path()).value());
  CHECK(*store->position("orders") == 1200);
  CHECK(std::move(store->load("orders").value())->bytes == "small");
  REQUIRE(store->save("orders", big, 1300).is_ok());
  CHECK(std::move(store->load("orders").value())->bytes == big);
  REQUIRE(store->drop("orders").is_ok());
  CHECK_FALSE(std::move(store->load("orders").value()).has_value());
  CHECK(*store->position("catalog") == 7);
}

TEST_CASE("snapshot store: a second process cannot open it while it is in use") {
  TempDir dir;
  auto store = std::move(SnapshotStore::open(dir.path()).value());
  auto second = SnapshotStore::open(dir.path());
  CHECK(second.status().code() == ErrorCode::kBusy);
}
