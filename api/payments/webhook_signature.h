// The signature a payment provider puts on its webhooks, Stripe's scheme:
//
//   Orderly-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]
//
// where each v1 is the lower-case hex HMAC-SHA256, under one of the
// webhook secrets, of "<t>.<raw body>". More than one v1 lets a provider
// sign with the old and the new secret while a secret is rotated; keys
// other than t and v1 are ignored (a later scheme, v0 test signatures),
// as Stripe's own libraries do.
//
// Pure functions of their arguments (the clock is a parameter): safe from
// any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace orderly::api::payments {

inline constexpr std::string_view kSignatureHeader = "Orderly-Signature";
// How far a webhook's t may be from now, either way (Stripe's default).
inline constexpr int64_t kDefaultToleranceS = 300;
// More v1 entries than this is not a rotation but an attempt to make the
// check cost more: the header is refused.
inline constexpr size_t kMaxSignatures = 8;

struct SignatureHeader {
  int64_t timestamp_s = 0;
  std::vector<std::string> v1;  // each 64 lower-case hex digits; at least one
};

// The header's value parsed, or invalid_signature saying what is wrong:
// empty, an item without '=', t missing, repeated, not decimal digits or
// out of range, no v1, a v1 that is not 64 hex digits, too many v1.
// Items may have spaces around them; hex is accepted in either case.
Result<SignatureHeader> parse_signature_header(std::string_view text);

// The lower-case hex HMAC-SHA256 of "<t>.<body>" under `secret`.
std::string sign_webhook(std::string_view secret, int64_t t, std::string_view body);

// "t=<t>,v1=<hex>" with one v1 per secret, in order (what a provider sends).
// REQUIRES: !secrets.empty()
std::string signature_header_value(const std::vector<std::string>& secrets, int64_t t,
                                   std::string_view body);

// Whether `header_text` (the Orderly-Signature value) authenticates `body`
// under one of `secrets`, at `now_s`. OK, or:
// - invalid_signature: the header is missing or malformed, no secret is
//   given, or no v1 matches any secret (compared in constant time);
// - stale_webhook: a matching signature whose t is more than `tolerance_s`
//   before or after `now_s`.
// The signature is checked before the time, so stale_webhook is only ever
// said of a call that the secret holder made (a clock to fix, or a replay),
// never of a forgery.
Status verify_webhook(std::string_view header_text, std::string_view body,
                      const std::vector<std::string>& secrets, int64_t now_s,
                      int64_t tolerance_s = kDefaultToleranceS);

}  // namespace orderly::api::payments
