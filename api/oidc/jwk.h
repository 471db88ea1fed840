// JSON Web Keys (RFC 7517) to OpenSSL public keys, and the JWS signature
// check (RFC 7515) with them. Only what signs ID tokens here: RSA keys of
// 2048 to 8192 bits for RS256 and P-256 keys for ES256 (the point checked
// to be on the curve). Any other key is refused, never guessed at.
//
// Thread safety: a parsed key is immutable; verify_signature may run on
// many threads with the same key at once (OpenSSL 3 keys are shared
// read-only).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "core/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY: kept out of the includers' headers

namespace orderly::api::oidc {

enum class KeyType { kRsa, kEc };

// The JWS algorithms an ID token may use here; anything else ("none",
// "HS256", "PS256", ...) is refused before a key is looked at.
enum class Algorithm { kRs256, kEs256 };
std::optional<Algorithm> algorithm_named(std::string_view alg);
KeyType key_type_of(Algorithm alg);

struct Jwk {
  std::string kid;
  KeyType type = KeyType::kRsa;
  std::string alg;  // the JWK's own "alg", "" when absent
  std::shared_ptr<evp_pkey_st> key;
};

// One key: kty RSA (n, e) or EC (crv P-256, x, y), "use" absent or "sig".
Result<Jwk> parse_jwk(const boost::json::object& jwk);

struct JwkSet {
  std::vector<Jwk> keys;
  // The keys that were left out, "kid: why", so a refusal can say why a
  // token's kid has no usable key (a 1024-bit RSA key, a point off the curve).
  std::vector<std::string> refused;

  // The usable key with this kid for this algorithm (kty matches, the JWK's
  // alg absent or equal), or nullptr.
  const Jwk* find(std::string_view kid, Algorithm alg) const;
  bool has_kid(std::string_view kid) const;
};

// A JWKS document ({"keys": [...]}); unusable keys go to `refused`. Fails
// only when the document is not a JWKS at all.
Result<JwkSet> parse_jwks(std::string_view json);

// Whether `signature` (the JWS bytes: RSASSA-PKCS1-v1_5 for RS256, r || s
// of 32 bytes each for ES256) signs `signing_input` under `key`.
bool verify_signature(const Jwk& key, Algorithm alg, std::string_view signing_input,
                      std::string_view signature);

}  // namespace orderly::api::oidc
