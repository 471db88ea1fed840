#include "api/rest/requests/notifications.h"

#include <boost/json.hpp>

#include "api/rest/requests/parsed.h"
#include "commands/input_limits.h"

namespace orderly::api::rest::requests {

using namespace commands;

Result<uint64_t> email_request_position_from(const boost::json::object& body) {
  Fields f(body);
  f.only({"source_position"});
  const auto position = f.integer("source_position", true);
  if (position && *position < 1)
    f.add("source_position", "must be a log position (1 or more)");
  if (!f.ok())
    return invalid_fields("the request is not valid", f);
  return static_cast<uint64_t>(*position);
}

Result<Command> notification_outcome_from(const boost::json::object& body,
                                          const Uuid& notification) {
  Fields f(body);
  f.only({"status", "error", "will_retry"});
  const auto status = f.str("status", true, 16);
  const auto error = f.str("error", false, kMaxDeliveryErrorBytes);
  bool will_retry = false;
  if (const auto* r = body.if_contains("will_retry")) {
    if (r->is_bool())
      will_retry = r->as_bool();
    else
      f.add("will_retry", "must be true or false");
  }
  if (status && *status != "sent" && *status != "failed")
    f.add("status", "must be sent or failed");
  if (status && *status == "failed" && (!error || error->empty()))
    f.add("error", "is required when the status is failed");
  if (!f.ok())
    return invalid_fields("the outcome is not valid", f);
  return *status == "sent" ? Command{RecordNotificationSent{notification}}
                           : Command{RecordNotificationFailed{notification, *error, will_retry}};
}

}  // namespace orderly::api::rest::requests
