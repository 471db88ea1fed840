// JWT access tokens, HS256 only (RFC 7519 / 7515). Verification refuses
// every other `alg` (none, RS256 confusion, ...), a wrong signature, a
// token past `exp` or before `nbf`, and anything that does not parse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace orderly::api::auth {

struct AccessClaims {
  std::string sub;           // user id
  std::string role;          // "customer" | "admin"
  int64_t iat = 0, exp = 0;  // seconds since the epoch
  // The session: the refresh-token family the token was issued with (""
  // in tokens issued before issue 19). A WebSocket opened with the token
  // is closed when that session ends (api/notify/push/ws_hub.h).
  std::string sid = {};  // (a default: aggregate inits without it stay warning-free)
  // The account's email when the token was issued ("" in tokens issued
  // before issue 21), for clients that show who is logged in without a
  // call. Informative only: the engine reads the account itself (role,
  // status) from its users model on every request, never from here.
  std::string email = {};
};

// `secret` is at least 32 bytes.
std::string sign_jwt(const AccessClaims& claims, std::string_view secret);
Result<AccessClaims> verify_jwt(std::string_view token, std::string_view secret, int64_t now_s);
// The claims of a token whose signature someone else has checked: for
// `orderly notify websocket`, which has no signing secret and asks the
// engine who a token names, and needs the token's `exp` and session to
// close the connection when either ends. Checks everything but the
// signature (the shape, `alg`, `exp`, `nbf`, the role); never a substitute
// for verify_jwt.
Result<AccessClaims> read_verified_jwt_claims(std::string_view token, int64_t now_s);

// HMAC-SHA256 of `data` under `secret` (libsodium): the 32 raw bytes.
std::string hmac_sha256(std::string_view data, std::string_view secret);

// Base64url without padding (RFC 4648 §5), as JWTs use it.
std::string base64url(std::string_view bytes);
std::optional<std::string> from_base64url(std::string_view text);

}  // namespace orderly::api::auth
