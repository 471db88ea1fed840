// The account's words, shared by the user aggregate (commands/user.h) and
// the users read model (projections/users.h): a saved postal address, an
// identity at an OpenID Connect provider, and how the address events fold
// into a user's list (both keep it alike).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_type.h"
#include "core/uuid.h"

namespace orderly {

struct Address {
  Uuid address_id;
  std::string name, line1, line2, city, postal_code, country, phone;
  bool is_default = false;
};

// Who a user is at a provider (the ID token's `iss` and `sub`).
struct Identity {
  std::string issuer, subject;
};

// The one key of an identity in the indexes.
std::string identity_key(std::string_view issuer, std::string_view subject);

// Folds an address event (user.address_added|changed|removed) into a list
// kept in the order the addresses were added: a new default clears the
// others' flag; a removed default passes to the oldest left. False for
// other events. REQUIRES: `payload` is a verified FlatBuffer of `type`.
bool fold_address_event(std::vector<Address>& addresses, EventType type, const uint8_t* payload);

}  // namespace orderly
