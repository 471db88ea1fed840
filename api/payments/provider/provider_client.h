// The engine's calls to the payment provider (docs/design/payments.md,
// "the provider protocol"): a JSON POST to <base URL><path> with an
// Idempotency-Key, and `Authorization: Bearer <key>` when a key is
// configured, through libcurl. https only, or plain http to a loopback host
// (tests, the simulator), like the S3 endpoint; the certificate and name
// verified, no redirects, 2 s to connect and 10 s a call, a 64 KiB answer
// at most.
//
// Thread safety: each call uses its own handle; call from any thread.
// Blocking: never call on an I/O thread.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"

namespace orderly::api::payments::provider {

struct ProviderConfig {
  std::string base_url;  // "https://pay.example.com" (a trailing '/' is dropped)
  std::string api_key;   // "": no Authorization header
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds timeout{10000};
};

struct ProviderReply {
  long status = 0;
  std::string body;
};

// OK when `url` may be the provider's base URL: an absolute https URL, or
// http to 127.0.0.0/8, [::1] or localhost; no credentials, query or
// fragment in it. invalid_argument naming --payment-provider-url otherwise.
Status check_provider_url(std::string_view url);

// POSTs `json_body` to base_url + `path` ("/v1/payment_intents"). Any HTTP
// status is a reply; `unavailable` when the provider did not answer (cannot
// connect, timed out, an answer too large), or when `cancel` became true
// during the call (the caller is stopping).
// REQUIRES: check_provider_url(config.base_url) is OK.
Result<ProviderReply> post_to_provider(const ProviderConfig& config, std::string_view path,
                                       std::string_view json_body, std::string_view idempotency_key,
                                       const std::atomic<bool>* cancel = nullptr);

}  // namespace orderly::api::payments::provider
