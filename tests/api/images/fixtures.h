// The image fixtures (fixtures/, made by fixtures/make_fixtures.py) and
// small helpers of the image tests.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace orderly::testing {

// The bytes of fixtures/<name>; fails the test when it cannot be read.
inline std::string image_fixture(const std::string& name) {
  const std::string path = std::string(ORDERLY_IMAGE_FIXTURES) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace orderly::testing
