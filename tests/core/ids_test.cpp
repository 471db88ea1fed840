#include <doctest/doctest.h>

#include <set>

#include "core/ids.h"

using namespace orderly;

TEST_CASE("UUIDv7: shape, version, variant") {
  const std::string id = new_uuid_v7();
  CHECK(looks_like_uuid(id));
  CHECK(id[14] == '7');
  CHECK(std::string("89ab").find(id[19]) != std::string::npos);
}

TEST_CASE("UUIDv7: unique and increasing within one process, even in one millisecond") {
  std::set<std::string> seen;
  std::string prev;
  for (int i = 0; i < 20000; ++i) {
    std::string id = new_uuid_v7(1795255200123000);  // the same instant every time
    CHECK(id > prev);
    prev = id;
    seen.insert(std::move(id));
  }
  CHECK(seen.size() == 20000);
}

TEST_CASE("looks_like_uuid refuses other shapes") {
  CHECK_FALSE(looks_like_uuid(""));
  CHECK_FALSE(looks_like_uuid("0192f0c1-7e4a-7000-8000-00000000000"));
  CHECK_FALSE(looks_like_uuid("0192f0c1x7e4a-7000-8000-000000000000"));
  CHECK_FALSE(looks_like_uuid("0192f0c1-7e4a-7000-8000-00000000000g"));
}
