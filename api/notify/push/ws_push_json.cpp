#include "api/notify/push/ws_push_json.h"

#include <boost/json.hpp>

#include "api/rest/requests/fields.h"
#include "commands/input_limits.h"

namespace orderly::api::notify::push {

namespace json = boost::json;

std::string ws_pushes_json(const commands::RecordWebSocketPushes& batch) {
  json::array pushes;
  pushes.reserve(batch.pushes.size());
  for (const auto& p : batch.pushes) {
    json::object o{{"notification_id", p.notification_id.to_string()},
                   {"user_id", p.user_id.to_string()},
                   {"type", p.type},
                   {"source_position", p.source_position},
                   {"pushed_at", format_rfc3339(p.pushed_at)},
                   {"status", p.dropped ? "dropped" : "sent"}};
    if (p.dropped)
      o["reason"] = p.reason;
    pushes.push_back(std::move(o));
  }
  return json::serialize(json::object{{"pushes", std::move(pushes)}});
}

void read_ws_pushes(const json::object& body, commands::RecordWebSocketPushes& out,
                    std::vector<FieldError>& errors) {
  for (const auto& kv : body) {
    if (kv.key() != "pushes")
      errors.push_back({std::string(kv.key()), "is not a field of this request"});
  }
  const json::value* pushes = body.if_contains("pushes");
  if (pushes == nullptr || !pushes->is_array() || pushes->as_array().empty() ||
      pushes->as_array().size() > kMaxPushesPerRequest) {
    errors.push_back(
        {"pushes", "must be an array of 1 to " + std::to_string(kMaxPushesPerRequest) + " pushes"});
    return;
  }
  const json::array& list = pushes->as_array();
  out.pushes.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = "pushes[" + std::to_string(i) + "]";
    if (!list[i].is_object()) {
      errors.push_back({at, "must be an object"});
      continue;
    }
    rest::requests::Fields f(list[i].as_object());
    f.only(
        {"notification_id", "user_id", "type", "source_position", "pushed_at", "status", "reason"});
    commands::WebSocketPushOutcome p;
    if (auto id = f.id("notification_id", false))
      p.notification_id = *id;
    if (auto user = f.id("user_id", true))
      p.user_id = *user;
    const auto type = f.str("type", true, commands::kMaxPushTypeBytes);
    if (type && type->empty())
      f.add("type", "must not be empty");
    p.type = type.value_or("");
    const auto position = f.integer("source_position", true);
    if (position && *position < 1)
      f.add("source_position", "must be a log position (1 or more)");
    p.source_position = position && *position > 0 ? static_cast<uint64_t>(*position) : 0;
    if (auto when = f.str("pushed_at", true, 64)) {
      if (auto t = parse_rfc3339(*when))
        p.pushed_at = *t;
      else
        f.add("pushed_at", "must be an RFC 3339 time");
    }
    const auto status = f.str("status", true, 16);
    if (status && *status != "sent" && *status != "dropped")
      f.add("status", "must be sent or dropped");
    p.dropped = status && *status == "dropped";
    p.reason = f.str("reason", false, commands::kMaxPushReasonBytes).value_or("");
    if (!p.dropped && !p.reason.empty())
      f.add("reason", "is for dropped pushes only");
    for (const FieldError& e : f.errors())
      errors.push_back({at + "." + e.field, e.message});
    out.pushes.push_back(std::move(p));
  }
}

}  // namespace orderly::api::notify::push
