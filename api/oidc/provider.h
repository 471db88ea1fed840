// An OpenID Connect provider as the sign-in routes see it: where to send
// the browser, and who came back. No OpenSSL or libcurl type here: the
// routes include this header only and never link the implementation
// (curl_provider.h, built by the engine).
//
// Thread safety: implementations are safe to call from several threads.
// Both calls may block on the network (up to about 10 s each fetch): call
// them on a worker pool, never on an I/O thread.
#pragma once

#include <string>

#include "core/status.h"

namespace orderly::api::oidc {

// Who signed in, as the provider vouches for them.
struct Identity {
  std::string issuer, subject;  // the account's key at the provider
  std::string email;            // "" when the provider gave none
  bool email_verified = false;
  std::string name;
};

struct AuthorizationRequest {
  std::string redirect_uri;
  std::string state, nonce;
  std::string code_challenge;  // base64url(SHA-256(code_verifier)): PKCE S256
};

struct Redemption {
  std::string code;           // from the callback
  std::string code_verifier;  // PKCE
  std::string nonce;          // the sign-in's, to be found in the ID token
  std::string redirect_uri;   // the same as in the authorization request
};

// How a call failed, in Status codes (the routes map them to problems):
//   io_error          the provider did not answer, or answered nonsense
//                     (oidc_unavailable, 502/503);
//   invalid_argument  the provider refused the code (oidc_provider_error, 400);
//   unauthorized      the ID token or the userinfo failed a check
//                     (oidc_token_invalid, 401; the message names the check).
class Provider {
 public:
  virtual ~Provider() = default;
  // Shown as "Sign in with <name>" (e.g. "google").
  virtual const std::string& name() const = 0;
  // The provider's authorization endpoint with the code-flow parameters.
  virtual Result<std::string> authorization_url(const AuthorizationRequest& request) = 0;
  // Exchanges the code at the token endpoint and verifies the ID token.
  virtual Result<Identity> redeem(const Redemption& redemption) = 0;
};

}  // namespace orderly::api::oidc
