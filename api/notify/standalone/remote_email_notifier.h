// The email notifier as its own process (`orderly notify email`). It reads
// NATS (the durable consumer "email-notifier" for the events that cause
// emails; every notification event from the start, for what is pending) and
// writes only through the engine's admin API, logged in as an admin
// account: the engine stays the single writer, and the notification history
// (GET /api/notifications) shows every attempt. The in-process notifier
// (notify/email/email_notifier.h) does the same with the log and the writer
// at hand.
//
// Thread safety: start/stop from one thread; stats from any.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "api/notify/client/engine_client.h"
#include "api/notify/email/email_sender.h"

namespace orderly::api {

struct RemoteEmailOptions {
  std::string nats_url;
  std::string subject_prefix = "orderly.events";
  EmailDeliveryOptions delivery;
};

class RemoteEmailNotifier {
 public:
  // `engine` (logged in as an admin) must outlive the notifier; `log` is told
  // what goes wrong (and retried).
  RemoteEmailNotifier(EngineClient& engine, RemoteEmailOptions options,
                      std::shared_ptr<spdlog::logger> log);
  ~RemoteEmailNotifier();
  // Starts following NATS and sending (each in its own thread).
  void start();
  // Stops asking for new emails, then sending: what is not sent stays
  // pending in the engine's log for the next start.
  void stop();
  EmailSenderStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::api
