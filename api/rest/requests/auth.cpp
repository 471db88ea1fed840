#include "api/rest/requests/auth.h"

#include <boost/json.hpp>

#include "api/rest/requests/parsed.h"
#include "commands/password_policy.h"
#include "commands/user.h"

namespace orderly::api::rest::requests {

namespace {

// A refusal's own words for a field: its field message, else its message.
std::string reason(const Status& st) {
  return st.fields().empty() ? st.message() : st.fields()[0].message;
}

}  // namespace

std::optional<std::string> string_field(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string())
    return std::nullopt;
  return std::string(it->value().as_string());
}

Result<Registration> registration_from(const boost::json::object& body) {
  const auto username = string_field(body, "username");
  const auto email = string_field(body, "email");
  const auto password = string_field(body, "password");
  Fields f(body);
  f.only({"username", "email", "password"});
  if (!username)
    f.add("username", "is required (a string)");
  else if (Status st = commands::validate_username(*username); !st.is_ok())
    f.add("username", reason(st));
  const std::string normalized = email ? commands::normalize_email(*email) : "";
  if (!email)
    f.add("email", "is required (a string)");
  else if (Status st = commands::validate_email(normalized); !st.is_ok())
    f.add("email", reason(st));
  if (!password)
    f.add("password", "is required (a string)");
  else if (Status st =
               commands::validate_new_password(*password, username.value_or(""), normalized);
           !st.is_ok())
    f.add("password", reason(st));
  if (!f.ok())
    return invalid_fields("the registration is not valid", f);
  return Registration{*username, normalized, *password};
}

Result<std::optional<std::string>> refresh_token_text_from(const boost::json::object& body,
                                                           std::string_view what) {
  Fields known(body);
  known.only({"refresh_token"});
  if (!known.ok())
    return invalid_fields("the " + std::string(what) + " is not valid", known);
  return string_field(body, "refresh_token");
}

}  // namespace orderly::api::rest::requests
