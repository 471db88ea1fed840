// The `orderly` under test: ORDERLY_TEST_BINARY when set (to run a test
// against another build, e.g. to see a new test fail on the code before a
// fix), else the one built beside the tests (the ORDERLY_BINARY each test
// target defines).
#pragma once

#include <cstdlib>
#include <string>

namespace orderly::testing {

inline std::string orderly_binary() {
  const char* other = std::getenv("ORDERLY_TEST_BINARY");
  return other && *other ? other : ORDERLY_BINARY;
}

}  // namespace orderly::testing
