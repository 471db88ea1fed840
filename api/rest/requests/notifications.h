// Bodies of the notifier routes to commands (api/rest/routes/notifications.cpp):
// what a notifier process (`orderly notify email`) sends. Pure functions of
// the JSON object; errors: invalid_argument naming every wrong field.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>

#include "commands/command.h"
#include "core/status.h"
#include "core/uuid.h"

namespace orderly::api::rest::requests {

// POST /api/admin/notifications: the log position of the event to mail about.
Result<uint64_t> email_request_position_from(const boost::json::object& body);
// POST /api/admin/notifications/{id}/outcome: RecordNotificationSent for
// {"status": "sent"}, RecordNotificationFailed for {"status": "failed",
// "error": "...", "will_retry": bool}.
Result<commands::Command> notification_outcome_from(const boost::json::object& body,
                                                    const Uuid& notification);

}  // namespace orderly::api::rest::requests
