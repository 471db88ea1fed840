// The sign-ins under way with an OpenID provider, and the one-time codes
// that hand a finished sign-in to the page (routes/oidc.cpp), in memory.
//
// A flow is keyed by SHA-256 of its `state` and holds the nonce, the PKCE
// verifier, SHA-256 of the browser binding (the random value in the
// flow's cookie, so a callback from another browser is refused: login
// CSRF) and where to return. Taken out by the callback (single use: a
// replayed state finds nothing), kept 10 minutes, at most 10,000 (the
// oldest go first). An exchange code is kept as its hash with the user and
// the binding's hash, for 60 s, and works once. Nothing here survives a
// restart: a sign-in under way then starts again.
//
// Thread safety: every call from any thread.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/mutex.h"

namespace orderly::api::rest::routes {

// base64url of `n` random bytes.
std::string random_token(size_t n = 32);
// base64url(SHA-256(text)): PKCE's code challenge, and the keys and
// binding digests below.
std::string sha256_b64(std::string_view text);

struct OidcFlow {
  std::string nonce, verifier, binding_hash, return_to;
  TimestampUs started_at = 0;
};

// What /start sends: the state and nonce to the provider, the challenge of
// the kept verifier, the binding to the browser's cookie.
struct OidcStart {
  std::string state, nonce, code_challenge, binding;
};

class OidcFlows {
 public:
  static constexpr TimestampUs kFlowTtlUs = TimestampUs{10} * 60 * 1'000'000;
  static constexpr TimestampUs kCodeTtlUs = TimestampUs{60} * 1'000'000;
  static constexpr size_t kMaxFlows = 10'000;
  static constexpr size_t kMaxCodes = 10'000;

  OidcStart start(std::string return_to, TimestampUs now) EXCLUDES(mu_);
  // The flow of `state`, taken out whether or not `binding` (the cookie's
  // value) is its own; nullopt when unknown, expired or not this browser's.
  std::optional<OidcFlow> take(std::string_view state, std::string_view binding, TimestampUs now)
      EXCLUDES(mu_);

  // A one-time code for `user_id`, for the browser of `binding_hash`.
  std::string issue_code(std::string user_id, std::string binding_hash, TimestampUs now)
      EXCLUDES(mu_);
  // The user of `code`, taken out (it works once, also when the cookie is
  // wrong); nullopt when unknown, expired or another browser's.
  std::optional<std::string> redeem_code(std::string_view code, std::string_view binding,
                                         TimestampUs now) EXCLUDES(mu_);

  size_t flows() const EXCLUDES(mu_);

  // Where the shop's pages are (the redirect URI's base, without a trailing
  // '/'); "" until the server knows it.

 private:
  struct Code {
    std::string user_id, binding_hash;
    TimestampUs issued_at = 0;
  };
  // Drops what expired or is over the bound, oldest first.
  void trim_locked(TimestampUs now) REQUIRES(mu_);

  mutable Mutex mu_;
  std::unordered_map<std::string, OidcFlow> flows_ GUARDED_BY(mu_);  // by sha256(state)
  std::deque<std::pair<std::string, TimestampUs>> flow_order_ GUARDED_BY(mu_);
  std::unordered_map<std::string, Code> codes_ GUARDED_BY(mu_);  // by sha256(code)
  std::deque<std::pair<std::string, TimestampUs>> code_order_ GUARDED_BY(mu_);
};

}  // namespace orderly::api::rest::routes
