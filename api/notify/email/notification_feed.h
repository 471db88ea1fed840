// The notification events (requested, sent, failed, retry requested) read
// from the JetStream stream from its first message, for a notifier that has
// no log at hand (`orderly notify email`): it rebuilds its pending set from
// them, then follows new ones, gapless and in order, across NATS restarts
// (api/nats/stream_follower.h).
//
// `on_caught_up` runs once, when every notification event that was in the
// stream at subscription time has been handed to `on_event` (at once for an
// empty stream): from then on the pending set is complete.
//
// Thread safety: callbacks run on the follower's thread, one at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/envelope.h"

namespace orderly::api::notify::email {

class NotificationFeed {
 public:
  NotificationFeed(std::string nats_url, std::string subject,
                   std::function<void(const EventView&)> on_event,
                   std::function<void()> on_caught_up);
  ~NotificationFeed();
  // Connects in the background, retrying with backoff until NATS and the
  // stream are there.
  void start();
  void stop();
  bool subscribed() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::api::notify::email
