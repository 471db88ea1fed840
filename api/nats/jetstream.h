// One connection to NATS with its JetStream context, closed when dropped:
// what the fan-out, the notifiers and the WebSocket hub each hold. The
// library reconnects by itself (forever, every 200 ms); a connection that
// cannot be made at all is an error the caller retries with backoff.
#pragma once

#include <nats/nats.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace orderly::api::nats {

struct JetStreamLink {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  JetStreamLink() = default;
  JetStreamLink(const JetStreamLink&) = delete;
  JetStreamLink& operator=(const JetStreamLink&) = delete;
  ~JetStreamLink();
};

// "<what>: <status text> (<the library's last error>)". (nats_GetLastError
// returns null when there is none: never concatenated as it is.)
std::string nats_error(std::string_view what, natsStatus s);

// `js_options` may be null (the library's defaults).
Result<std::unique_ptr<JetStreamLink>> connect_jetstream(const std::string& url,
                                                         jsOptions* js_options = nullptr);

}  // namespace orderly::api::nats
