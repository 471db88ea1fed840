// Passwords: validated (at least 8 characters, at most 1024 bytes), hashed
// with argon2id through libsodium, verified in constant time.
//
// Hashing is deliberately slow (libsodium's "interactive" limits: 64 MiB,
// about 0.1 s): call it on a request thread before building RegisterUser,
// never on the writer thread.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace orderly::commands {

inline constexpr size_t kMinPasswordChars = 8;
inline constexpr size_t kMaxPasswordBytes = 1024;

Status validate_password(std::string_view password);
// "$argon2id$v=19$m=65536,t=2,p=1$..." (libsodium's crypto_pwhash_str format).
Result<std::string> hash_password(std::string_view password);
bool verify_password(std::string_view hash, std::string_view password);

}  // namespace orderly::commands
