// Reading the API's error answers (application/problem+json, with a stable
// `code`; CONTRACT.md) in assertions.
#pragma once

#include <string>

#include "tests/support/http_client.h"
#include "tests/support/json_fields.h"

namespace orderly::testing {

// The answer's `code`, or "" when it is not a problem with one.
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

}  // namespace orderly::testing
