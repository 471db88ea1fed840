#include "api/rest/requests/account.h"

#include <boost/json.hpp>

#include "api/rest/requests/parsed.h"
#include "commands/password_policy.h"
#include "commands/user.h"

namespace orderly::api::rest::requests {

namespace {

// Every field error of a refusal, into `f`.
void add_fields(Fields& f, const Status& st) {
  if (st.is_ok())
    return;
  if (st.fields().empty())
    f.add("body", st.message());
  for (const FieldError& e : st.fields())
    f.add(e.field, e.message);
}

// The byte bound of a text field before the aggregate's own limits: keeps
// an oversized value from being copied about, says nothing about the rule.
constexpr size_t kMaxFieldBytes = 1024;

}  // namespace

Result<ProfilePatch> profile_patch_from(const boost::json::object& body) {
  Fields f(body);
  f.only({"username", "email", "display_name"});
  ProfilePatch p;
  p.username = f.str("username", false, kMaxFieldBytes);
  if (auto email = f.str("email", false, kMaxFieldBytes))
    p.email = commands::normalize_email(*email);
  p.display_name = f.str("display_name", false, kMaxFieldBytes);
  if (p.username)
    add_fields(f, commands::validate_username(*p.username));
  if (p.email)
    add_fields(f, commands::validate_email(*p.email));
  if (p.display_name)
    add_fields(f, commands::validate_display_name(*p.display_name));
  if (!f.ok())
    return invalid_fields("the profile is not valid", f);
  return p;
}

Result<PasswordChange> password_change_from(const boost::json::object& body,
                                            std::string_view username, std::string_view email) {
  Fields f(body);
  f.only({"current_password", "new_password"});
  PasswordChange c;
  c.current_password = f.str("current_password", false, kMaxFieldBytes);
  const auto fresh = f.str("new_password", true, kMaxFieldBytes);
  if (fresh) {
    // The policy names its field "password"; here it is the new one.
    if (Status st = commands::validate_new_password(*fresh, username, email); !st.is_ok())
      f.add("new_password", st.fields().empty() ? st.message() : st.fields()[0].message);
    c.new_password = *fresh;
  }
  if (!f.ok())
    return invalid_fields("the password change is not valid", f);
  return c;
}

Result<commands::Address> address_from(const boost::json::object& body, const Uuid& id) {
  Fields f(body);
  f.only({"name", "line1", "line2", "city", "postal_code", "country", "phone", "is_default"});
  commands::Address a;
  a.address_id = id;
  a.name = f.str("name", true, kMaxFieldBytes).value_or("");
  a.line1 = f.str("line1", true, kMaxFieldBytes).value_or("");
  a.line2 = f.str("line2", false, kMaxFieldBytes).value_or("");
  a.city = f.str("city", true, kMaxFieldBytes).value_or("");
  a.postal_code = f.str("postal_code", true, kMaxFieldBytes).value_or("");
  a.country = f.str("country", true, kMaxFieldBytes).value_or("");
  a.phone = f.str("phone", false, kMaxFieldBytes).value_or("");
  a.is_default = f.boolean("is_default", false).value_or(false);
  if (f.ok())
    add_fields(f, commands::validate_address(a));
  if (!f.ok())
    return invalid_fields("the address is not valid", f);
  return a;
}

Result<commands::AddressPatch> address_patch_from(const boost::json::object& body) {
  Fields f(body);
  f.only({"name", "line1", "line2", "city", "postal_code", "country", "phone", "is_default"});
  commands::AddressPatch p;
  p.name = f.str("name", false, kMaxFieldBytes);
  p.line1 = f.str("line1", false, kMaxFieldBytes);
  p.line2 = f.str("line2", false, kMaxFieldBytes);
  p.city = f.str("city", false, kMaxFieldBytes);
  p.postal_code = f.str("postal_code", false, kMaxFieldBytes);
  p.country = f.str("country", false, kMaxFieldBytes);
  p.phone = f.str("phone", false, kMaxFieldBytes);
  p.is_default = f.boolean("is_default", false);
  if (!f.ok())
    return invalid_fields("the address is not valid", f);
  return p;
}

}  // namespace orderly::api::rest::requests
