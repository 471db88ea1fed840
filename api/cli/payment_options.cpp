#include "api/cli/payment_options.h"

#include "api/payments/secret_file.h"

namespace orderly::cli {

Result<std::optional<api::payments::provider::DispatcherOptions>> payment_dispatcher_options(
    const PaymentFlags& flags) {
  using Options = std::optional<api::payments::provider::DispatcherOptions>;
  if (flags.provider_url.empty()) {
    if (!flags.provider_key_file.empty())
      return Status::invalid_argument("--payment-provider-key-file needs --payment-provider-url");
    return Options();
  }
  ORDERLY_RETURN_IF_ERROR(api::payments::provider::check_provider_url(flags.provider_url));
  api::payments::provider::DispatcherOptions options;
  options.provider.base_url = flags.provider_url;
  if (!flags.provider_key_file.empty()) {
    // Its first line, as the flag's help says (read_secrets skips blank ones).
    auto key = api::payments::read_secrets("--payment-provider-key-file", flags.provider_key_file);
    if (!key)
      return key.status();
    options.provider.api_key = std::move(key->front());
  }
  return Options(std::move(options));
}

}  // namespace orderly::cli
