// Hand-made JWTs for the forgery tests: any header and payload text, MACed
// with any key by HMAC-SHA256 or HMAC-SHA512 (libsodium), or unsigned.
// Nothing here comes from the engine's own signer, so a bug there cannot
// hide in the tests.
#pragma once

#include <sodium.h>

#include <chrono>
#include <string>
#include <string_view>

#include "api/auth/jwt.h"

namespace orderly::testing {

enum class Mac { kNone, kHs256, kHs512 };

inline std::string hmac(Mac mac, std::string_view key, std::string_view data) {
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  const auto* d = reinterpret_cast<const unsigned char*>(data.data());
  if (mac == Mac::kHs512) {
    unsigned char out[crypto_auth_hmacsha512_BYTES];
    crypto_auth_hmacsha512_state st;
    crypto_auth_hmacsha512_init(&st, k, key.size());
    crypto_auth_hmacsha512_update(&st, d, data.size());
    crypto_auth_hmacsha512_final(&st, out);
    return std::string(reinterpret_cast<const char*>(out), sizeof out);
  }
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, k, key.size());
  crypto_auth_hmacsha256_update(&st, d, data.size());
  crypto_auth_hmacsha256_final(&st, out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

// base64url(header).base64url(payload).base64url(MAC) — the MAC part empty for kNone.
inline std::string forge_jwt(std::string_view header_json, std::string_view payload_json,
                             std::string_view key, Mac mac = Mac::kHs256) {
  const std::string input =
      api::auth::base64url(header_json) + "." + api::auth::base64url(payload_json);
  if (mac == Mac::kNone)
    return input + ".";
  return input + "." + api::auth::base64url(hmac(mac, key, input));
}

inline int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A payload with the usual claims; `extra` is appended inside the object
// (e.g. R"(,"nbf":123)").
inline std::string claims(const std::string& sub, const std::string& role, int64_t exp,
                          const std::string& extra = "") {
  return R"({"sub":")" + sub + R"(","role":")" + role + R"(","iat":)" + std::to_string(unix_now()) +
         R"(,"exp":)" + std::to_string(exp) + extra + "}";
}

inline const std::string kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

}  // namespace orderly::testing
