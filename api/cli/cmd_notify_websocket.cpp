// `orderly notify websocket`: the WebSocket notifier as its own process
// (api/notify/standalone/remote_websocket.h), serving /ws/notifications from
// the JetStream stream the engine's fan-out fills.
#include <cstdio>

#include "api/cli/commands.h"
#include "api/cli/logger.h"
#include "api/cli/notify_common.h"
#include "api/notify/standalone/remote_websocket.h"

namespace orderly::cli {

int run_notify_websocket(const CommonOptions& common, const NotifyOptions& o) {
  auto log = make_logger(common.log_format);
  sigset_t signals = block_stop_signals();
  // Two connections: the owner lookups, and the push outcomes (a slow answer
  // to one never holds up the other).
  auto lookups = connect_engine(o, signals, *log);
  if (!lookups)
    return exit_status_of(lookups.status());
  auto recording = connect_engine(o, signals, *log);
  if (!recording)
    return exit_status_of(recording.status());
  const auto listening = [&](uint16_t port) {
    const std::string host = o.http_address.substr(0, o.http_address.rfind(':'));
    const std::string url = "http://" + host + ":" + std::to_string(port);
    log->info("WebSocket notifier on {}/ws/notifications, events from NATS {}", url, o.nats_url);
    std::printf("orderly notify websocket listening on %s\n", url.c_str());
    std::fflush(stdout);
  };
  const auto until_signal = [&] {
    wait_for_stop_signal(signals, *log, "closing WebSocket connections");
  };
  const Status served = api::notify::standalone::run_remote_websocket(
      **lookups, **recording, {o.nats_url, o.engine_url, o.http_address}, log, listening,
      until_signal);
  if (!served.is_ok()) {
    log->error("{}", served.to_string());
    return served.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  return kExitOk;
}

}  // namespace orderly::cli
