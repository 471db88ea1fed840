// What an email says: the facts the engine reads for it (request_email.h
// email_facts) and the sender renders (api/notify/email/email_sender.h
// email_vars).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/uuid.h"

namespace orderly::api::notify::requests {

// What an email says, from wherever the facts come from.
struct EmailFacts {
  Uuid order_id;
  std::string reason;                   // a cancellation's
  std::optional<int64_t> amount_cents;  // a payment's or refund's
  struct Line {
    std::string name;
    int64_t quantity = 0, unit_price_cents = 0, line_total_cents = 0;
  };
  std::vector<Line> lines;  // empty: the order is unknown
  int64_t total_cents = 0;
  std::string currency;  // the order's ("" when unknown: USD, as before currencies were kept)
  std::string username;
  // An account email's link (verify_email, password_reset): the page it
  // opens ("verify-email", "reset-password"; "" for none), the token it
  // carries, how long it works as words ("30 minutes"). The token is in
  // the email only: never in a log line or the notification history.
  std::string action_page, action_token, expires_in;
  std::string new_email;  // an email change's new address (told to the old one)
};

// The link's token again, from the event's user and token id: whoever
// renders an email holds the server secret through this (the engine:
// api/auth/email_token.h; `orderly notify email` gets the token from the
// engine's admin API instead). Null: links are left out.
enum class ActionPurpose { kVerifyEmail, kPasswordReset };
using ActionTokenFn =
    std::function<std::string(ActionPurpose purpose, const Uuid& user, const Uuid& token_id)>;

}  // namespace orderly::api::notify::requests
