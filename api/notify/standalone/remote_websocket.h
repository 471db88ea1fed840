// The WebSocket notifier as its own process (`orderly notify websocket`).
// It serves GET /ws/notifications (same messages and rules as the
// engine's) from the JetStream stream the engine's fan-out fills, so pages
// can be served by as many of these as needed, away from the engine. A
// client's token is checked by asking the engine who it is (GET
// /api/auth/me) at every upgrade, so a logged-out or deactivated user or a
// demoted admin is refused exactly as by the engine, at once; their open
// sockets close when the events reach this process's hub through NATS; orders placed before this
// process started are attributed to their owner through the admin API. What became of each push to
// the user an event concerns is recorded in the engine's log like the engine's own pushes (POST
// /api/admin/notifications/websocket-pushes, about once a second).
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/notify/client/engine_client.h"
#include "core/status.h"

namespace orderly::api::notify::standalone {

struct RemoteWebSocketOptions {
  std::string nats_url;
  std::string engine_url;                       // for token checks (no account)
  std::string http_address = "127.0.0.1:8081";  // where clients connect
};

// Serves until `until_stopped` returns (it blocks, e.g. waiting for a stop
// signal), then closes every connection (1001), stops serving and records
// the last push outcomes. `lookups` (owner lookups) and `recording` (push
// outcomes) are two connections logged in as an admin, so a slow answer to
// one never holds up the other. `listening` is told the port once clients
// can connect. Errors: as HttpServer::start (invalid_argument for a bad
// address), before anything is served.
Status run_remote_websocket(client::EngineClient& lookups, client::EngineClient& recording,
                            const RemoteWebSocketOptions& options,
                            const std::shared_ptr<spdlog::logger>& log,
                            const std::function<void(uint16_t port)>& listening,
                            const std::function<void()>& until_stopped);

}  // namespace orderly::api::notify::standalone
