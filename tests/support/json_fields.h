// Short reads of a JSON object's fields for test assertions; `json` is
// boost::json in the tests' namespace. Both throw when the field is missing
// or of another type: a test that expects it fails there.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace orderly::testing {

namespace json = boost::json;

inline std::string str(const json::value& v, std::string_view key) {
  return json::value_to<std::string>(v.as_object().at(key));
}
inline int64_t num(const json::value& v, std::string_view key) {
  return v.as_object().at(key).to_number<int64_t>();
}

}  // namespace orderly::testing
