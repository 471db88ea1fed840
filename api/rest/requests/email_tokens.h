// Bodies of the email-token routes (api/rest/routes/email_tokens.cpp):
// verification and password reset. Pure, like auth.h; errors name every
// wrong field (invalid_argument), never echoing a token.
#pragma once

#include <boost/json/object.hpp>

#include <string>

#include "core/status.h"

namespace orderly::api::rest::requests {

// POST /api/auth/verify-email {"token"}: the token's text, unchecked (the
// route answers every bad token alike: invalid_token).
Result<std::string> email_token_text_from(const boost::json::object& body);

// POST /api/auth/password-reset {"email"}: the email, normalised.
Result<std::string> reset_request_from(const boost::json::object& body);

// POST /api/auth/password-reset/confirm {"token", "new_password"}. The
// password policy's account-specific rules are checked by the route, once
// it knows whose account the token names.
struct ResetConfirm {
  std::string token, new_password;
};
Result<ResetConfirm> reset_confirm_from(const boost::json::object& body);

}  // namespace orderly::api::rest::requests
