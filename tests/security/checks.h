// Small checks shared by the security tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/problem.h"
#include "tests/support/shop_requests.h"

namespace orderly::testing {

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The first of `needles` found in `haystack`, or "" when none is.
inline std::string first_found(const std::string& haystack,
                               const std::vector<std::string>& needles) {
  for (const auto& n : needles) {
    if (!n.empty() && haystack.find(n) != std::string::npos)
      return n;
  }
  return "";
}

}  // namespace orderly::testing
