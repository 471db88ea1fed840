// Bodies of the auth routes (api/rest/routes/auth.cpp) read and validated:
// pure functions of the JSON object, shared by the handlers, the unit tests
// and the fuzz target. Errors: invalid_argument naming every wrong field.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "core/status.h"

namespace orderly::api::rest::requests {

// A string member of `o`; nullopt when absent or not a string.
std::optional<std::string> string_field(const boost::json::object& o, std::string_view key);

// POST /api/auth/register: the username, the email lower-cased, and a
// password that passes the policy (commands/password_policy.h).
struct Registration {
  std::string username, email, password;
};
Result<Registration> registration_from(const boost::json::object& body);

// POST /api/auth/refresh and /api/auth/logout ({"refresh_token": "..."}):
// the token's text, nullopt when absent or not a string (the handlers answer
// that as a token that does not parse); any other member is refused, the
// detail "the <what> is not valid".
Result<std::optional<std::string>> refresh_token_text_from(const boost::json::object& body,
                                                           std::string_view what);

}  // namespace orderly::api::rest::requests
