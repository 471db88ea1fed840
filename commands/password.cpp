#include "commands/password.h"

#include <sodium.h>

#include "commands/validation.h"

namespace orderly::commands {

namespace {

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// Characters, not bytes: a UTF-8 password of 8 letters is long enough.
size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

Status validate_password(std::string_view password) {
  if (utf8_chars(password) < kMinPasswordChars) {
    return Status::invalid_field("password", "must be at least 8 characters");
  }
  if (password.size() > kMaxPasswordBytes)
    return Status::invalid_field("password", "must be at most 1024 bytes");
  if (!is_clean_text(password)) {
    return Status::invalid_field("password", "must be valid UTF-8 without control characters");
  }
  return Status::ok();
}

Result<std::string> hash_password(std::string_view password) {
  ORDERLY_RETURN_IF_ERROR(validate_password(password));
  if (!sodium_ready())
    return Status::internal("libsodium failed to initialise");
  std::string out(crypto_pwhash_STRBYTES, '\0');
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::internal("out of memory while hashing a password");
  }
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

bool verify_password(std::string_view hash, std::string_view password) {
  if (!sodium_ready() || hash.size() >= crypto_pwhash_STRBYTES || hash.rfind("$argon2id$", 0) != 0)
    return false;
  std::string terminated(hash);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

}  // namespace orderly::commands
