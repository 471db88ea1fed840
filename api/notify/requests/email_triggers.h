// Which domain events cause an email (order placed, confirmed, shipped,
// delivered, cancelled; payment succeeded, failed for good, refund issued,
// a dispute opened (to every active admin); the account's
// email verification and password reset links, a changed password, a
// changed email) and the
// notification id each one gets, derived from the event's log position, so
// a redelivered event asks for the same notification and the writer refuses
// it as already_exists: asking twice never mails twice.
#pragma once

#include <cstdint>
#include <string>

#include "core/envelope.h"
#include "core/uuid.h"

namespace orderly::api::notify::requests {

struct EmailTrigger {
  const char* template_name = nullptr;  // null: the event mails nobody
  Uuid order_id;
  Uuid user_id;  // nil: the order's owner
  // Where it goes; "": the user's current email. A verification link goes
  // to the address it proves, an email change's notice to the old address.
  std::string recipient{};
  // One email to every active admin (user_id and recipient unused), each
  // with its own id (email_notification_id(position, admin)).
  bool to_admins = false;
};
EmailTrigger email_trigger(const EventView& event);

// The id of the email the event at `position` causes.
Uuid email_notification_id(uint64_t position);
// The id of the email the event at `position` causes to `user`, one of
// several recipients (to_admins).
Uuid email_notification_id(uint64_t position, const Uuid& user);

}  // namespace orderly::api::notify::requests
