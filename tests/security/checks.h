// Small checks shared by the security tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/api/server.h"

namespace orderly::testing {

inline std::string code_of(const HttpResult& r) {
  const auto v = r.json();
  const auto* o = v.if_object();
  return o && o->contains("code") && o->at("code").is_string() ? str(v, "code") : "";
}

// The contract's error shape: the status, problem+json, the stable code.
inline bool is_problem(const HttpResult& r, int status, const std::string& code) {
  return r.status == status && r.header("content-type") == "application/problem+json" &&
         code_of(r) == code;
}

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

inline std::string product_id(HttpClient& c, const std::string& query) {
  const json::value listed = c.request("GET", "/api/products?q=" + query).json();
  const auto& items = listed.as_object().at("items").as_array();
  if (items.empty())
    throw std::runtime_error("no product for " + query);
  return str(items[0], "id");
}

}  // namespace orderly::testing
