// The Provider (provider.h) over HTTPS with libcurl: discovery fetched when
// first needed and kept 24 h, the JWKS kept an hour and fetched again at
// once when a token names an unknown kid (a key rotation), at most once a
// minute so a stream of forged kids cannot make the engine hammer the
// provider; the code exchanged at the token endpoint (client_secret_basic,
// or client_secret_post when the provider lists only that), the ID token
// verified (id_token.h), missing email claims read from userinfo.
//
// Thread safety: safe from any thread. Fetches run under the cache's
// mutex: they are rare (start, rotation), and a caller that waits for one
// needs its result anyway.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/oidc/discovery.h"
#include "api/oidc/jwk.h"
#include "api/oidc/provider.h"
#include "core/mutex.h"

namespace orderly::api::oidc {

struct ProviderConfig {
  std::string issuer;  // https (or http to loopback), compared byte for byte
  std::string client_id;
  std::string client_secret;
  std::string name;  // "" picks the default (default_provider_name)
};

// "google" for https://accounts.google.com, else "openid".
std::string default_provider_name(std::string_view issuer);

// Checks what a configuration can be checked for before any fetch: the
// issuer's scheme and host, a client id, a secret.
Status check_provider_config(const ProviderConfig& config);

class CurlProvider final : public Provider {
 public:
  // `now_s`: the clock for token times and cache ages (seconds).
  explicit CurlProvider(ProviderConfig config, std::function<int64_t()> now_s = {});

  const std::string& name() const override { return config_.name; }
  Result<std::string> authorization_url(const AuthorizationRequest& request) override;
  Result<Identity> redeem(const Redemption& redemption) override;

  // Fetches discovery and the keys now (the engine calls it in the
  // background at start, so the first sign-in does not wait for them).
  Status warm_up();

  // How many times the JWKS was fetched (tests and metrics).
  uint64_t jwks_fetches() const;

 private:
  Result<ProviderMetadata> metadata();
  // The keys to check a token with this kid against.
  Result<std::shared_ptr<const JwkSet>> keys_for(std::string_view kid);
  Result<std::shared_ptr<const JwkSet>> fetch_jwks_locked(const ProviderMetadata& meta)
      REQUIRES(mu_);
  // Fills what the ID token left out; `verified_known`: it had email_verified.
  Status read_userinfo(const ProviderMetadata& meta, const std::string& access_token,
                       bool verified_known, Identity& identity);

  // Constant after construction.
  const ProviderConfig config_;
  const std::function<int64_t()> now_s_;

  mutable Mutex mu_;
  std::optional<ProviderMetadata> meta_ GUARDED_BY(mu_);
  int64_t meta_at_s_ GUARDED_BY(mu_) = 0;
  std::shared_ptr<const JwkSet> jwks_ GUARDED_BY(mu_);
  int64_t jwks_at_s_ GUARDED_BY(mu_) = 0;
  std::optional<int64_t> last_kid_refetch_s_ GUARDED_BY(mu_);
  uint64_t jwks_fetches_ GUARDED_BY(mu_) = 0;
};

}  // namespace orderly::api::oidc
