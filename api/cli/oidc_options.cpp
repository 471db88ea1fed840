#include "api/cli/oidc_options.h"

#include <fstream>
#include <sstream>

namespace orderly::cli {

Result<std::optional<api::oidc::ProviderConfig>> oidc_provider_config(const OidcFlags& flags) {
  if (flags.issuer.empty() && flags.client_id.empty() && flags.client_secret_file.empty() &&
      flags.name.empty()) {
    return std::optional<api::oidc::ProviderConfig>();
  }
  if (flags.issuer.empty())
    return Status::invalid_argument("--oidc-client-id, -secret-file and -name need --oidc-issuer");
  api::oidc::ProviderConfig config{flags.issuer, flags.client_id, "", flags.name};
  if (!flags.client_secret_file.empty()) {
    std::ifstream in(flags.client_secret_file);
    if (!in)
      return Status::invalid_argument("--oidc-client-secret-file: cannot read " +
                                      flags.client_secret_file);
    std::getline(in, config.client_secret);
    while (!config.client_secret.empty() &&
           (config.client_secret.back() == '\r' || config.client_secret.back() == ' ')) {
      config.client_secret.pop_back();
    }
    if (config.client_secret.empty())
      return Status::invalid_argument("--oidc-client-secret-file: " + flags.client_secret_file +
                                      " holds no secret on its first line");
  }
  ORDERLY_RETURN_IF_ERROR(api::oidc::check_provider_config(config));
  return std::optional<api::oidc::ProviderConfig>(std::move(config));
}

}  // namespace orderly::cli
