// What the request-parser tests share: a body from JSON text, the fields a
// refusal names, and a fixed id.
#pragma once

#include <boost/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/uuid.h"

namespace orderly::testing {

inline boost::json::object body(std::string_view text) {
  return boost::json::parse(text).as_object();
}

inline std::vector<std::string> fields_of(const Status& st) {
  std::vector<std::string> out;
  for (const auto& f : st.fields())
    out.push_back(f.field);
  return out;
}

inline const Uuid kId = *Uuid::parse("0192f0c1-0000-7000-8000-000000000001");

}  // namespace orderly::testing
