// Customer A, the victim of the cross-customer tests: an order placed and
// awaiting payment, an order paid, a cart line, notifications and two live
// sessions, and a view of all of it to prove later that nothing changed.
#pragma once

#include <string>

#include "tests/security/route_table.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"

namespace orderly::testing {

struct Victim {
  Ids ids;
  Session session;
  std::string order_body;       // the body A placed the pending order with
  std::string idempotency_key;  // and its Idempotency-Key
};

// Registers "alice" and builds her data; throws when the engine refuses a step.
Victim make_victim(const OrderlyServer& server);

// Everything A can see of her data, as of the log's current end: her
// orders, payments, cart, stats, notifications and profile, and the
// catalog fields of her cart's product that only an admin may change.
std::string victim_view(const OrderlyServer& server, const Victim& a);

}  // namespace orderly::testing
