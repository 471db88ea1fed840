// The payment provider `orderly serve` talks to, from its flags
// (--payment-provider-url, --payment-provider-key-file): none by default
// (payments are decided inline), else the dispatcher's options. Checked at
// start: a bad flag is a usage error.
#pragma once

#include <optional>
#include <string>

#include "api/payments/provider/dispatcher.h"
#include "core/status.h"

namespace orderly::cli {

struct PaymentFlags {
  std::string provider_url;       // "": no provider
  std::string provider_key_file;  // "": no Authorization header
};

// nullopt without --payment-provider-url; invalid_argument for a URL that is
// not https (or http to a loopback host), a key file without a URL, or a key
// file that cannot be read or holds no key (its first line is the key).
Result<std::optional<api::payments::provider::DispatcherOptions>> payment_dispatcher_options(
    const PaymentFlags& flags);

}  // namespace orderly::cli
