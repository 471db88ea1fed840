// The OpenID Connect flags of `orderly serve` (--oidc-issuer,
// --oidc-client-id, --oidc-client-secret-file, --oidc-name), checked and
// turned into the provider's configuration.
#pragma once

#include <optional>
#include <string>

#include "api/oidc/curl_provider.h"
#include "core/status.h"

namespace orderly::cli {

struct OidcFlags {
  std::string issuer, client_id, client_secret_file, name;
};

// nullopt when no flag is set (no sign-in with a provider);
// invalid_argument naming the flag when they are incomplete, the issuer is
// not https (or http to a loopback host), or the secret file is unreadable
// or empty. The secret is the file's first line; it never appears in a
// message.
Result<std::optional<api::oidc::ProviderConfig>> oidc_provider_config(const OidcFlags& flags);

}  // namespace orderly::cli
