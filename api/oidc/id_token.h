// ID-token verification (OpenID Connect Core 1.0 §3.1.3.7), pure: given the
// provider's keys, what the flow expects and the time, a token is accepted
// or refused with the first check it failed named (never the token itself).
//
// Checked, in order: three base64url parts; the header's `alg` is RS256 or
// ES256 (`none`, HS256 and the rest refused before any key is looked at),
// no `crit`, a `kid` naming a usable key of that algorithm; the signature;
// `iss` is the issuer; `aud` is the client id or an array holding it (then,
// with more than one audience, `azp` is the client id; when present it
// always must be); `exp` is later than now - 60 s; `iat` is within
// [now - 10 min, now + 60 s]; `nonce` equals the flow's; `sub` has 1 to
// 255 characters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/oidc/jwk.h"
#include "core/status.h"

namespace orderly::api::oidc {

// Tokens longer than this are refused unread (real ones are about 1 KiB).
inline constexpr size_t kMaxIdTokenBytes = 16 * 1024;
// Clock skew allowed on `exp` and `iat` (seconds), and how old `iat` may be.
inline constexpr int64_t kClockSkewS = 60;
inline constexpr int64_t kMaxTokenAgeS = 600;

// The JOSE header, read before the keys are: its kid may send the caller
// to fetch the JWKS again.
struct JoseHeader {
  Algorithm alg = Algorithm::kRs256;
  std::string kid;
};
// Refuses what is not a compact JWS with an accepted `alg` and a `kid`.
Result<JoseHeader> read_jose_header(std::string_view token);

struct IdTokenChecks {
  std::string issuer;                      // exactly, byte for byte
  std::vector<std::string> other_issuers;  // also accepted (Google's "accounts.google.com")
  std::string client_id;
  std::string nonce;
  int64_t now_s = 0;
};

struct IdTokenClaims {
  std::string issuer, subject, email, name;
  bool email_verified = false;
  bool has_email_verified = false;  // the claim was there at all
  int64_t iat = 0, exp = 0;
};

// Every refusal is `unauthorized` with the failed check in the message.
Result<IdTokenClaims> verify_id_token(std::string_view token, const JwkSet& keys,
                                      const IdTokenChecks& checks);

}  // namespace orderly::api::oidc
