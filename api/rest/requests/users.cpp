#include "api/rest/requests/users.h"

#include <boost/json.hpp>

#include "api/rest/requests/parsed.h"

namespace orderly::api::rest::requests {

namespace {

bool is_role(std::string_view r) {
  return r == "customer" || r == "admin";
}

bool is_status(std::string_view s) {
  return s == "active" || s == "deactivated" || s == "closed";
}

// Text a person typed into a search box: no control characters (they
// match nothing and would only reach the logs).
bool printable(std::string_view s) {
  for (const unsigned char c : s) {
    if (c < 0x20 || c == 0x7f)
      return false;
  }
  return true;
}

}  // namespace

Result<UserQuery> user_query_from(const std::optional<std::string>& q,
                                  const std::optional<std::string>& role,
                                  const std::optional<std::string>& status) {
  const boost::json::object none;
  Fields f(none);  // (only its error list: these are query parameters)
  UserQuery out;
  out.q = q.value_or("");
  out.role = role.value_or("");
  out.status = status.value_or("");
  if (out.q.size() > kMaxUserQueryBytes)
    f.add("q", "at most " + std::to_string(kMaxUserQueryBytes) + " bytes");
  else if (!printable(out.q))
    f.add("q", "must not contain control characters");
  if (!out.role.empty() && !is_role(out.role))
    f.add("role", "must be customer or admin");
  if (!out.status.empty() && !is_status(out.status))
    f.add("status", "must be active, deactivated or closed");
  if (!f.ok())
    return invalid_fields("the user search is not valid", f);
  return out;
}

Result<commands::ChangeRole> role_change_from(const boost::json::object& body, const Uuid& user) {
  Fields f(body);
  f.only({"role"});
  const auto role = f.str("role", true, 16);
  if (role && !is_role(*role))
    f.add("role", "must be customer or admin");
  if (!f.ok())
    return invalid_fields("the role change is not valid", f);
  return commands::ChangeRole{user, *role};
}

Result<std::string> status_reason_from(const boost::json::object& body) {
  Fields f(body);
  f.only({"reason"});
  std::string reason = f.str("reason", false, kMaxStatusReasonBytes).value_or("");
  if (!printable(reason))
    f.add("reason", "must not contain control characters");
  if (!f.ok())
    return invalid_fields("the status change is not valid", f);
  return reason;
}

}  // namespace orderly::api::rest::requests
