#include "tests/support/session.h"

#include <boost/json.hpp>

#include <stdexcept>

namespace orderly::testing {

namespace json = boost::json;

Session session_of(const HttpResult& r) {
  if (r.status != 200 && r.status != 201)
    throw std::runtime_error("no session: " + std::to_string(r.status) + " " + r.body);
  const json::value v = r.json();
  const auto& o = v.as_object();
  return {json::value_to<std::string>(o.at("user").at("id")),
          json::value_to<std::string>(o.at("access_token")),
          json::value_to<std::string>(o.at("refresh_token"))};
}

}  // namespace orderly::testing
