// The snapshot store: whole snapshots back, replaced atomically, across
// reopening, of any size.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
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

namespace {

std::vector<std::string> snap_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".snap")
      out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("snapshot store: a damaged, cut or missing file is refused as corruption") {
  TempDir dir;
  const std::string bytes = random_bytes(100'000, 2);
  auto store = std::move(SnapshotStore::open(dir.path()).value());
  REQUIRE(store->save("orders", bytes, 50).is_ok());
  REQUIRE(snap_files(dir.path()) == std::vector<std::string>{"orders.1.snap"});
  const std::string file = dir.path() + "/orders.1.snap";
  SUBCASE("one flipped byte") {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(77'777);
    f.put(static_cast<char>(bytes[77'777] ^ 0x10));
  }
  SUBCASE("cut short") {
    std::filesystem::resize_file(file, bytes.size() - 1);
  }
  SUBCASE("gone") {
    std::filesystem::remove(file);
  }
  auto got = store->load("orders");
  CHECK(got.status().code() == ErrorCode::kCorruption);
  // Its position is still known; a new save replaces it whole.
  CHECK(*store->position("orders") == 50);
  REQUIRE(store->save("orders", "fresh", 60).is_ok());
  CHECK(std::move(store->load("orders").value())->bytes == "fresh");
}

TEST_CASE("snapshot store: files no head names are removed by the next save, names are checked") {
  TempDir dir;
  auto store = std::move(SnapshotStore::open(dir.path()).value());
  REQUIRE(store->save("stats", "one", 1).is_ok());
  // A save cut short after writing its file, before switching the head.
  { std::ofstream(dir.path() + "/stats.5.snap") << "half of a snapshot"; }
  CHECK(std::move(store->load("stats").value())->bytes == "one");
  REQUIRE(store->save("stats-extra", "other", 1).is_ok());
  REQUIRE(store->save("stats", "three", 3).is_ok());
  CHECK(std::move(store->load("stats").value())->bytes == "three");
  CHECK(snap_files(dir.path()) == std::vector<std::string>{"stats-extra.1.snap", "stats.2.snap"});
  for (const char* bad : {"", "../x", "a/b", "a.b", "with space"})
    CHECK(store->save(bad, "x", 1).code() == ErrorCode::kInvalidArgument);
  REQUIRE(store->drop("stats").is_ok());
  CHECK(snap_files(dir.path()) == std::vector<std::string>{"stats-extra.1.snap"});
}
