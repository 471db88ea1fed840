#include "core/account.h"

#include <algorithm>

#include "core/schemas/user_events_generated.h"
#include "core/text.h"

namespace orderly {

std::string identity_key(std::string_view issuer, std::string_view subject) {
  std::string key(issuer);
  key += '\x1f';  // in neither part: no pair forges another's key
  key += subject;
  return key;
}

namespace {

Address read_address(const events::Address* e) {
  Address a;
  if (e == nullptr)
    return a;
  a.address_id = fb_uuid(e->address_id());
  a.name = fb_string(e->name());
  a.line1 = fb_string(e->line1());
  a.line2 = fb_string(e->line2());
  a.city = fb_string(e->city());
  a.postal_code = fb_string(e->postal_code());
  a.country = fb_string(e->country());
  a.phone = fb_string(e->phone());
  a.is_default = e->is_default();
  return a;
}

void keep_one_default(std::vector<Address>& addresses, const Uuid& chosen) {
  for (Address& a : addresses)
    a.is_default = a.address_id == chosen;
}

}  // namespace

bool fold_address_event(std::vector<Address>& addresses, EventType type, const uint8_t* p) {
  switch (type) {
    case EventType::kAddressAdded: {
      Address a = read_address(flatbuffers::GetRoot<events::AddressAdded>(p)->address());
      addresses.push_back(a);
      if (a.is_default)
        keep_one_default(addresses, a.address_id);
      return true;
    }
    case EventType::kAddressChanged: {
      Address a = read_address(flatbuffers::GetRoot<events::AddressChanged>(p)->address());
      for (Address& mine : addresses) {
        if (mine.address_id == a.address_id)
          mine = a;
      }
      if (a.is_default)
        keep_one_default(addresses, a.address_id);
      return true;
    }
    case EventType::kAddressRemoved: {
      const Uuid id = fb_uuid(flatbuffers::GetRoot<events::AddressRemoved>(p)->address_id());
      auto it = std::find_if(addresses.begin(), addresses.end(),
                             [&](const Address& a) { return a.address_id == id; });
      if (it == addresses.end())
        return true;
      const bool was_default = it->is_default;
      addresses.erase(it);
      if (was_default && !addresses.empty())
        addresses.front().is_default = true;
      return true;
    }
    default:
      return false;
  }
}

}  // namespace orderly
