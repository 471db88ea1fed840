// OrderIndex against std::map, for the id orders it is built for
// (ascending, slightly shuffled) and the ones it must survive (random,
// descending), with erasures enough to compact it.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>

#include "projections/order_index.h"

using namespace orderly;
using namespace orderly::projections;

namespace {

enum class Arrival { kAscending, kShuffledWindows, kRandom, kDescending };

std::vector<Uuid> ids_arriving(Arrival arrival, size_t n, std::mt19937_64& rng) {
  std::vector<Uuid> ids(n);
  uint64_t ms = 1'700'000'000'000;
  for (size_t i = 0; i < n; ++i) {
    ms += rng() % 3;
    ids[i] = {(ms << 16) | 0x7000 | (i & 0xfff), rng()};
  }
  std::sort(ids.begin(), ids.end());
  switch (arrival) {
    case Arrival::kAscending:
      break;
    case Arrival::kShuffledWindows:
      for (size_t i = 0; i + 300 <= n; i += 300)
        std::shuffle(ids.begin() + static_cast<ptrdiff_t>(i),
                     ids.begin() + static_cast<ptrdiff_t>(i + 300), rng);
      break;
    case Arrival::kRandom:
      std::shuffle(ids.begin(), ids.end(), rng);
      break;
    case Arrival::kDescending:
      std::reverse(ids.begin(), ids.end());
      break;
  }
  return ids;
}

void check_same(const OrderIndex& index, const std::map<Uuid, uint32_t>& expected,
                const std::vector<Uuid>& ids) {
  REQUIRE(index.size() == expected.size());
  for (const Uuid& id : ids) {
    auto it = expected.find(id);
    CHECK(index.find(id) == (it == expected.end() ? OrderIndex::kNone : it->second));
  }
  size_t seen = 0;
  index.for_each([&](const Uuid& id, uint32_t number) {
    ++seen;
    auto it = expected.find(id);
    REQUIRE(it != expected.end());
    CHECK(it->second == number);
  });
  CHECK(seen == expected.size());
}

}  // namespace

TEST_CASE("order index: inserts, finds and erases like a map, whatever order ids arrive in") {
  for (Arrival arrival :
       {Arrival::kAscending, Arrival::kShuffledWindows, Arrival::kRandom, Arrival::kDescending}) {
    CAPTURE(static_cast<int>(arrival));
    std::mt19937_64 rng(static_cast<uint64_t>(arrival) + 11);
    const std::vector<Uuid> ids = ids_arriving(arrival, 30'000, rng);
    OrderIndex index;
    std::map<Uuid, uint32_t> expected;
    uint32_t next = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      const bool fresh = expected.try_emplace(ids[i], next).second;
      CHECK(index.insert(ids[i], next) == fresh);
      ++next;
      // Now and then an id is placed again: refused, number kept.
      if (i % 97 == 0 && expected.contains(ids[i / 2]))
        CHECK_FALSE(index.insert(ids[i / 2], 7));
      // Most orders end soon after they start (cancelled, shipped).
      if (i % 4 != 0 && i >= 50) {
        const Uuid& gone = ids[i - 50];
        CHECK(index.erase(gone) == (expected.erase(gone) == 1));
        CHECK_FALSE(index.erase(gone));
      }
    }
    check_same(index, expected, ids);
    // Erased ids come back (under new numbers), others are still refused.
    for (size_t i = 0; i < ids.size(); i += 13) {
      const bool fresh = expected.try_emplace(ids[i], next).second;
      CHECK(index.insert(ids[i], next) == fresh);
      ++next;
    }
    check_same(index, expected, ids);
    // Everything goes.
    for (const Uuid& id : ids) {
      CHECK(index.erase(id) == (expected.erase(id) == 1));
    }
    check_same(index, expected, ids);
    index.insert(ids[0], 1);
    index.clear();
    CHECK(index.size() == 0);
    CHECK(index.find(ids[0]) == OrderIndex::kNone);
  }
}

TEST_CASE("order index: the nil id and the largest id are ids like any other") {
  OrderIndex index;
  const Uuid nil{}, top{~0ull, ~0ull};
  CHECK(index.find(nil) == OrderIndex::kNone);
  CHECK(index.insert(top, 1));
  CHECK(index.insert(nil, 2));
  CHECK_FALSE(index.insert(nil, 3));
  CHECK(index.find(nil) == 2);
  CHECK(index.find(top) == 1);
  CHECK(index.erase(top));
  CHECK(index.find(top) == OrderIndex::kNone);
  CHECK(index.find(nil) == 2);
  CHECK(index.size() == 1);
}
