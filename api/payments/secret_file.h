// Secrets from files named by flags (--payment-webhook-secret-file,
// --payment-provider-key-file): a file rather than a flag's value so the
// secret stays out of `ps` and shell history.
//
// A file holds one secret per line; blank lines, a trailing CR and spaces
// or tabs around a line are ignored. Several lines are several secrets:
// while a webhook secret is rotated the file holds the new and the old one,
// every one is accepted, and a provider (the simulator) signs with each.
// No message ever contains a secret.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace orderly::api::payments {

// A webhook secret shorter than this could be found by trying: refused.
inline constexpr size_t kMinWebhookSecretBytes = 16;

// Every secret in `path`, in file order; invalid_argument naming `flag`
// when the file cannot be read, holds none, or one is shorter than
// `min_bytes`.
Result<std::vector<std::string>> read_secrets(std::string_view flag, const std::string& path,
                                              size_t min_bytes = 1);

// The one secret in `path` (an API key); invalid_argument as above, or when
// the file holds more than one.
Result<std::string> read_secret(std::string_view flag, const std::string& path);

}  // namespace orderly::api::payments
