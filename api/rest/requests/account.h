// Bodies of the account routes (api/rest/routes/account.cpp): pure
// functions of the JSON object, shared by the handlers, the unit tests and
// the fuzz target. Errors: invalid_argument naming every wrong field
// (api/rest/requests/parsed.h); unknown fields are refused.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "commands/command.h"
#include "core/status.h"

namespace orderly::api::rest::requests {

// PATCH /api/auth/me: any of {username, email (lower-cased), display_name};
// each one sent is validated as the user aggregate will (an empty body
// changes nothing).
struct ProfilePatch {
  std::optional<std::string> username, email, display_name;
};
Result<ProfilePatch> profile_patch_from(const boost::json::object& body);

// POST /api/auth/password: the new password passes the policy
// (commands/password_policy.h) for the account named `username`/`email`;
// `current_password` may be absent (an account without a password sets
// one; the route decides whether it may).
struct PasswordChange {
  std::optional<std::string> current_password;
  std::string new_password;
};
Result<PasswordChange> password_change_from(const boost::json::object& body,
                                            std::string_view username, std::string_view email);

// POST /api/auth/me/addresses as address `id`: {name, line1, line2?, city,
// postal_code, country, phone?, is_default?}, validated as the aggregate does.
Result<commands::Address> address_from(const boost::json::object& body, const Uuid& id);
// PATCH /api/auth/me/addresses/{id}: any of those fields (the whole address
// is validated again by the aggregate once merged).
Result<commands::AddressPatch> address_patch_from(const boost::json::object& body);

}  // namespace orderly::api::rest::requests
