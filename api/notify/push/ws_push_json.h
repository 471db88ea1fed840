// The JSON shape of a batch of WebSocket push outcomes, as `orderly notify
// websocket` sends it to the engine (POST
// /api/admin/notifications/websocket-pushes) and the engine reads it:
//
//   {"pushes": [{"notification_id": "...",       (optional: the engine makes one)
//                "user_id": "...", "type": "order.created",
//                "source_position": 42, "pushed_at": "2026-12-06T10:00:00.123Z",
//                "status": "sent" | "dropped", "reason": "..."}]}   (reason: dropped only)
//
// At most kMaxPushesPerRequest a request (a body well under the 1 MiB limit).
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "commands/command.h"
#include "core/status.h"

namespace orderly::api::notify::push {

inline constexpr size_t kMaxPushesPerRequest = 1000;

std::string ws_pushes_json(const commands::RecordWebSocketPushes& batch);
// The pushes of `body` into `out.pushes`; every field in error is named in
// `errors` ("pushes[3].status").
void read_ws_pushes(const boost::json::object& body, commands::RecordWebSocketPushes& out,
                    std::vector<FieldError>& errors);

}  // namespace orderly::api::notify::push
