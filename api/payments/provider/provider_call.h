// What the provider is asked for each event the dispatcher follows
// (docs/design/payments.md, "the provider protocol"): pure, so the keys and
// bodies are tested without a provider.
//
//   payment.processing (via_provider)  POST /v1/payment_intents
//       {payment_id, attempt, amount_cents, currency, payment_method, return_url}
//       Idempotency-Key <payment_id>:<attempt>
//   payment.refund_requested           POST /v1/refunds
//       {payment_id, refund_id, amount_cents}
//       Idempotency-Key <refund_id>
//
// The keys depend on the event only, never on when or how often it is
// sent: a call repeated after a crash or a retry is the same call to the
// provider, which answers it once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/envelope.h"

namespace orderly::api::payments::provider {

inline constexpr std::string_view kIntentsPath = "/v1/payment_intents";
inline constexpr std::string_view kRefundsPath = "/v1/refunds";

struct ProviderCall {
  std::string path;  // kIntentsPath or kRefundsPath
  std::string body;  // JSON
  std::string idempotency_key;
  std::string what;  // for the log: "the intent of payment <id> (attempt 2)"
};

// Where the customer comes back after the provider's page (3-D Secure):
// the order's page of the shop, "<public_url>/#/orders/<order_id>".
std::string return_url(std::string_view public_url, std::string_view order_id);

// The call `ev` asks for, or nullopt for an event that asks for none (a
// payment processed inline, any other type).
std::optional<ProviderCall> provider_call(const EventView& ev, std::string_view public_url);

}  // namespace orderly::api::payments::provider
