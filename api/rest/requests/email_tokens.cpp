#include "api/rest/requests/email_tokens.h"

#include <boost/json.hpp>

#include "api/rest/requests/auth.h"
#include "api/rest/requests/parsed.h"
#include "commands/password.h"
#include "commands/user.h"

namespace orderly::api::rest::requests {

namespace {

// Longer than any token this server makes (two ids and 43 characters), short
// enough that nobody parks a document in the field.
constexpr size_t kMaxTokenBytes = 256;

void require_token(Fields& f, const std::optional<std::string>& token) {
  if (!token)
    f.add("token", "is required (a string)");
  else if (token->empty() || token->size() > kMaxTokenBytes)
    f.add("token", "must be 1 to 256 bytes");
}

}  // namespace

Result<std::string> email_token_text_from(const boost::json::object& body) {
  const auto token = string_field(body, "token");
  Fields f(body);
  f.only({"token"});
  require_token(f, token);
  if (!f.ok())
    return invalid_fields("the verification is not valid", f);
  return *token;
}

Result<std::string> reset_request_from(const boost::json::object& body) {
  const auto email = string_field(body, "email");
  Fields f(body);
  f.only({"email"});
  const std::string normalized = email ? commands::normalize_email(*email) : "";
  if (!email)
    f.add("email", "is required (a string)");
  else if (Status st = commands::validate_email(normalized); !st.is_ok())
    f.add("email", st.fields().empty() ? st.message() : st.fields()[0].message);
  if (!f.ok())
    return invalid_fields("the password reset request is not valid", f);
  return normalized;
}

Result<ResetConfirm> reset_confirm_from(const boost::json::object& body) {
  const auto token = string_field(body, "token");
  const auto password = string_field(body, "new_password");
  Fields f(body);
  f.only({"token", "new_password"});
  require_token(f, token);
  if (!password)
    f.add("new_password", "is required (a string)");
  else if (Status st = commands::validate_password(*password); !st.is_ok())
    f.add("new_password", st.fields().empty() ? st.message() : st.fields()[0].message);
  if (!f.ok())
    return invalid_fields("the password reset is not valid", f);
  return ResetConfirm{*token, *password};
}

}  // namespace orderly::api::rest::requests
