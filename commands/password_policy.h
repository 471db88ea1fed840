// What a new password must be beyond its length (commands/password.h), as
// NIST SP 800-63B 5.1.1.2 advises: not one of the most common passwords
// (a list compiled in: commands/data/common_passwords.txt), and not the
// account's own name. Checked where a password is chosen (registration,
// `orderly admin create-user`), never at login: an existing password keeps
// working.
//
// "The account's own name": the password equal to the username, the
// email, or the email's local part (ignoring case), or made of one of them
// plus so little else that the rest alone would be too short to be a
// password (kMinPasswordChars): "alice2024" for alice is refused,
// "alice-likes-long-walks" is not.
#pragma once

#include <string_view>

#include "core/status.h"

namespace orderly::commands {

// True when `password`, lower-cased, is on the common-password list.
bool is_common_password(std::string_view password);
// The number of passwords on the list (for tests and the docs).
size_t common_password_count();

// validate_password, then the rules above: validation_failed on field
// "password" with a detail saying which rule. `email` is already normalised.
Status validate_new_password(std::string_view password, std::string_view username,
                             std::string_view email);

}  // namespace orderly::commands
