#include "commands/notification.h"

#include "commands/validation.h"
#include "core/schemas/notification_events_generated.h"
#include "core/text.h"

namespace orderly::commands {

namespace {

Status require_engine(const CommandMeta& meta) {
  if (meta.role == Role::kEngine || meta.role == Role::kAdmin)
    return Status::ok();
  return Status::forbidden("only the notifiers record deliveries");
}

Status notification_not_found(const Uuid& id) {
  return Status::not_found("notification " + id.to_string() + " does not exist");
}

}  // namespace

Status decide_request_notification(const NotificationState* existing, const RequestNotification& c,
                                   const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_engine(meta));
  if (existing != nullptr)
    return Status::already_exists("notification exists");
  if (c.channel != "email" && c.channel != "websocket") {
    return Status::invalid_field("channel", "must be email or websocket");
  }
  ORDERLY_RETURN_IF_ERROR(require_text("template", c.template_name, 1, kMaxTemplateNameBytes));
  ORDERLY_RETURN_IF_ERROR(require_text("recipient", c.recipient, 0, kMaxRecipientBytes));
  out.emit(Aggregate::kNotification, c.notification_id, EventType::kNotificationRequested,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateNotificationRequestedDirect(
                 b, c.notification_id.to_string().c_str(), c.user_id.to_string().c_str(),
                 c.channel.c_str(), c.template_name.c_str(), c.recipient.c_str(),
                 c.source_position);
           });
  return Status::ok();
}

Status decide_record_sent(const NotificationState* n, const RecordNotificationSent& c,
                          const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_engine(meta));
  if (n == nullptr)
    return notification_not_found(c.notification_id);
  if (n->status == NotificationStatus::kSent)
    return Status::ok();  // a redelivery: already recorded
  out.emit(Aggregate::kNotification, c.notification_id, EventType::kNotificationSent,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateNotificationSentDirect(b, c.notification_id.to_string().c_str(),
                                                         n->attempts + 1);
           });
  return Status::ok();
}

Status decide_record_failed(const NotificationState* n, const RecordNotificationFailed& c,
                            const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_engine(meta));
  if (n == nullptr)
    return notification_not_found(c.notification_id);
  if (n->status == NotificationStatus::kSent) {
    return Status::invalid_transition("notification was already sent (from sent to failed)");
  }
  ORDERLY_RETURN_IF_ERROR(require_text("error", c.error, 1, kMaxDeliveryErrorBytes));
  out.emit(Aggregate::kNotification, c.notification_id, EventType::kNotificationFailed,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateNotificationFailedDirect(b, c.notification_id.to_string().c_str(),
                                                           n->attempts + 1, c.error.c_str(),
                                                           c.will_retry);
           });
  return Status::ok();
}

Status decide_retry_notification(const NotificationState* n, const RetryNotification& c,
                                 const CommandMeta& meta, EventSink& out) {
  if (meta.role != Role::kAdmin && meta.role != Role::kEngine)
    return Status::forbidden("only admins retry");
  if (n == nullptr)
    return notification_not_found(c.notification_id);
  if (n->status != NotificationStatus::kFailed) {
    return Status::invalid_transition(
        "only failed notifications are retried (this one is " +
        std::string(n->status == NotificationStatus::kSent ? "sent" : "pending") + ")");
  }
  out.emit(Aggregate::kNotification, c.notification_id, EventType::kNotificationRetryRequested,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateNotificationRetryRequestedDirect(
                 b, c.notification_id.to_string().c_str(), meta.actor.to_string().c_str());
           });
  return Status::ok();
}

Status decide_record_websocket_pushes(const RecordWebSocketPushes& c,
                                      const NotificationMap& notifications, const CommandMeta& meta,
                                      EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_engine(meta));
  if (c.pushes.empty())
    return Status::invalid_field("pushes", "an empty batch");
  if (c.pushes.size() > kMaxPushesPerBatch)
    return Status::invalid_field("pushes", "a batch holds at most 10000 pushes");
  UuidSet ids;
  for (const WebSocketPushOutcome& p : c.pushes) {
    if (p.notification_id.is_nil() || p.user_id.is_nil())
      return Status::invalid_field("pushes", "every push names its notification and user");
    // A push never takes another notification's id (nor twice in a batch).
    if (notifications.find(p.notification_id) != notifications.end() ||
        !ids.insert(p.notification_id).second) {
      return Status::invalid_field("pushes.notification_id",
                                   p.notification_id.to_string() + " is already used");
    }
    ORDERLY_RETURN_IF_ERROR(require_text("pushes.type", p.type, 1, kMaxPushTypeBytes));
    ORDERLY_RETURN_IF_ERROR(require_text("pushes.reason", p.reason, 0, kMaxPushReasonBytes));
  }
  out.emit(Aggregate::kNotification, c.batch_id, EventType::kWebSocketPushesRecorded,
           [&](flatbuffers::FlatBufferBuilder& b) {
             std::vector<flatbuffers::Offset<events::WebSocketPush>> pushes;
             pushes.reserve(c.pushes.size());
             for (const WebSocketPushOutcome& p : c.pushes) {
               pushes.push_back(events::CreateWebSocketPushDirect(
                   b, p.notification_id.to_string().c_str(), p.user_id.to_string().c_str(),
                   p.type.c_str(), p.source_position, p.pushed_at, p.dropped, p.reason.c_str()));
             }
             return events::CreateWebSocketPushesRecordedDirect(b, &pushes);
           });
  return Status::ok();
}

void evolve(NotificationState& n, EventType type, const uint8_t* p) {
  switch (type) {
    case EventType::kNotificationRequested:
      n.user_id = fb_uuid(flatbuffers::GetRoot<events::NotificationRequested>(p)->user_id());
      n.status = NotificationStatus::kPending;
      break;
    case EventType::kNotificationSent:
      n.attempts = flatbuffers::GetRoot<events::NotificationSent>(p)->attempt();
      n.status = NotificationStatus::kSent;
      break;
    case EventType::kNotificationFailed:
      n.attempts = flatbuffers::GetRoot<events::NotificationFailed>(p)->attempt();
      n.status = NotificationStatus::kFailed;
      break;
    case EventType::kNotificationRetryRequested:
      n.status = NotificationStatus::kPending;
      break;
    default:
      break;
  }
}

}  // namespace orderly::commands
