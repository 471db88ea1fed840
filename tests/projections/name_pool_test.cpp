// NamePool: the same name always gets the same number, numbers are dense,
// and names survive the growth of the buffer they live in.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "projections/name_pool.h"

using orderly::projections::NamePool;

TEST_CASE("name pool: interns names as dense numbers and gives them back") {
  NamePool pool;
  std::map<std::string, uint32_t> expected;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20'000; ++i) {
      // Empty, short, long, and names that are prefixes of others.
      std::string name = i % 1000 == 0 ? "" : "cup " + std::to_string(i % 7000);
      if (i % 3 == 0)
        name += std::string(40, 'x');
      const auto [it, fresh] = expected.try_emplace(name, static_cast<uint32_t>(expected.size()));
      CHECK(pool.intern(name) == it->second);
      (void)fresh;
    }
  }
  REQUIRE(pool.size() == expected.size());
  for (const auto& [name, id] : expected)
    CHECK(pool[id] == name);
  pool.clear();
  CHECK(pool.size() == 0);
  CHECK(pool.intern("tea") == 0);
  CHECK(pool.intern("tea") == 0);
  CHECK(pool.intern("te") == 1);
  CHECK(pool[0] == "tea");
  CHECK(pool[1] == "te");
}
