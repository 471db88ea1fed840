// What an email says: the facts the engine reads for it (request_email.h
// email_facts) and the sender renders (api/notify/email/email_sender.h
// email_vars).
#pragma once

#include <cstdint>
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
};

}  // namespace orderly::api::notify::requests
