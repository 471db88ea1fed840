// Notification: one message to one user on one channel, and its delivery
// history (requested, sent, failed with a reason, retried). The notifiers
// record outcomes through these commands, so the history is in the log.
#pragma once

#include <unordered_map>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/input_limits.h"
#include "commands/uuid_map.h"
#include "core/status.h"

namespace orderly::commands {

enum class NotificationStatus : uint8_t { kPending, kSent, kFailed };

struct NotificationState {
  Uuid user_id;
  uint32_t attempts = 0;
  uint32_t version = 0;
  NotificationStatus status = NotificationStatus::kPending;
};

using NotificationMap = BigUuidMap<NotificationState>;

Status decide_request_notification(const NotificationState* existing, const RequestNotification& c,
                                   const CommandMeta& meta, EventSink& out);
Status decide_record_sent(const NotificationState* n, const RecordNotificationSent& c,
                          const CommandMeta& meta, EventSink& out);
Status decide_record_failed(const NotificationState* n, const RecordNotificationFailed& c,
                            const CommandMeta& meta, EventSink& out);
Status decide_retry_notification(const NotificationState* n, const RetryNotification& c,
                                 const CommandMeta& meta, EventSink& out);

// evolve: folds one event of the notification's stream into it (assigns,
// never validates; REQUIRES: `payload` is a verified FlatBuffer of `type`).
// The version is kept by commands/shop_state.cpp's apply(), which keeps no
// state for WebSocketPushesRecorded.
void evolve(NotificationState& n, EventType type, const uint8_t* payload);

// A batch of WebSocket push outcomes: the engine's only (or an admin's: the
// `orderly notify websocket` process records through the engine's admin
// routes). Each batch is a new stream holding one event; the pushes are
// not aggregates of their own (nothing is decided against them later: a
// dropped push is not retried, the client reads its history instead).
inline constexpr size_t kMaxPushesPerBatch = 10'000;
Status decide_record_websocket_pushes(const RecordWebSocketPushes& c,
                                      const NotificationMap& notifications, const CommandMeta& meta,
                                      EventSink& out);

}  // namespace orderly::commands
