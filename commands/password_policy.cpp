#include "commands/password_policy.h"

#include <absl/container/flat_hash_set.h>

#include <string>

#include "commands/password.h"
#include "core/text.h"

namespace orderly::commands {

extern const char kEmbeddedCommonPasswords[];  // commands/data/common_passwords.txt

namespace {

// Built once, on first use; read-only afterwards (safe from any thread).
const absl::flat_hash_set<std::string_view>& common_passwords() {
  static const absl::flat_hash_set<std::string_view> set = [] {
    absl::flat_hash_set<std::string_view> s;
    std::string_view rest(kEmbeddedCommonPasswords);
    while (!rest.empty()) {
      const size_t end = rest.find('\n');
      const std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (!line.empty() && line.front() != '#')
        s.insert(line);
    }
    return s;
  }();
  return set;
}

Status refuse(std::string why) {
  return Status::invalid_field("password", std::move(why));
}

// True when `password` (lower-cased) is `name`, or holds it with fewer than
// kMinPasswordChars bytes left over: the name adds nothing an attacker
// does not know, so the rest must be a password on its own.
bool made_of_name(std::string_view password, std::string_view name) {
  if (name.empty())
    return false;
  const size_t at = password.find(name);
  return at != std::string_view::npos && password.size() - name.size() < kMinPasswordChars;
}

}  // namespace

bool is_common_password(std::string_view password) {
  return common_passwords().contains(ascii_lower(password));
}

size_t common_password_count() {
  return common_passwords().size();
}

Status validate_new_password(std::string_view password, std::string_view username,
                             std::string_view email) {
  ORDERLY_RETURN_IF_ERROR(validate_password(password));
  const std::string lower = ascii_lower(password);
  if (is_common_password(lower))
    return refuse("is one of the most common passwords: choose another");
  const std::string name = ascii_lower(username);
  const std::string mail = ascii_lower(email);
  const std::string local = mail.substr(0, mail.find('@'));
  if (made_of_name(lower, name))
    return refuse("must not be the username, or the username with a few characters added");
  if (made_of_name(lower, mail) || made_of_name(lower, local))
    return refuse(
        "must not be the email address, or its part before '@' with a few characters added");
  return Status::ok();
}

}  // namespace orderly::commands
