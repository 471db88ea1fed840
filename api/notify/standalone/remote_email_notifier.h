// The email notifier as its own process (`orderly notify email`). It reads
// NATS (the durable consumer "email-notifier" for the events that cause
// emails; every notification event from the start, for what is pending) and
// writes only through the engine's admin API, logged in as an admin
// account: the engine stays the single writer, and the notification history
// (GET /api/notifications) shows every attempt. The in-process notifier
// (notify/email/email_notifier.h) does the same with the log and the writer
// at hand.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>

#include "api/notify/client/engine_client.h"
#include "api/notify/email/email_sender.h"

namespace orderly::api::notify::standalone {

struct RemoteEmailOptions {
  std::string nats_url;
  std::string subject_prefix = "orderly.events";
  email::EmailDeliveryOptions delivery;
};

// Runs the notifier until `until_stopped` returns (it blocks, e.g. waiting
// for a stop signal), then stops asking for new emails and sending: what is
// not sent stays pending in the engine's log for the next run. `engine`
// (logged in as an admin) is the one connection it writes through; `log` is
// told what goes wrong (and is retried). Returns what was sent and left.
email::EmailSenderStats run_remote_email_notifier(client::EngineClient& engine,
                                                  const RemoteEmailOptions& options,
                                                  const std::shared_ptr<spdlog::logger>& log,
                                                  const std::function<void()>& until_stopped);

}  // namespace orderly::api::notify::standalone
