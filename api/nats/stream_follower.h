// Follows a JetStream subject in stream order, gapless, from the stream's
// first message or from the newest: what NATS.c's ordered consumer
// promises, with a consumer of our own. It is an ephemeral pull consumer
// (no acks, removed by the server a minute after we stop asking), read with
// plain NATS (api/nats/pull_consumer.h), and re-made from the last stream
// sequence handed over after any error: NATS killed and restarted, the
// consumer lost, a sequence gap. In `orderly notify email` NATS.c's own
// ordered consumer, then its Fetch, were caught corrupting the heap after a
// NATS restart (issue 8): this path uses neither.
//
// Messages are handed over on the follower's own thread, one at a time, in
// stream order, each once (a re-made consumer may repeat what was handed
// over: those are skipped by sequence).
//
// Thread safety: start/stop from one thread; subscribed() from any. The
// callbacks run on the follower's thread, except during try_start(), on the
// caller's. stop() takes up to a fetch (1 s), plus the consumer's deletion
// (up to 5 s while NATS is away).
#pragma once

#include <nats/nats.h>

#include <functional>
#include <memory>
#include <string>

namespace orderly::api::nats {

struct FollowOptions {
  std::string url;
  std::string stream = "ORDERLY";  // the JetStream stream holding `subject`
  std::string subject;             // e.g. orderly.events.notification.>
  bool from_first = true;          // false: only what is published after start()
  // Set: start after this stream sequence (what was handed over before a
  // restart); from_first is then ignored.
  uint64_t after_sequence = 0;
  uint64_t idle_check_ms = 5000;  // how often an idle follower checks its consumer
  // A message's payload and stream sequence.
  std::function<void(const natsMsg* msg, uint64_t stream_sequence)> on_message;
  // Optional: once, when everything the stream held at the first
  // subscription has been handed over (at once for none).
  std::function<void()> on_caught_up;
  // Optional: why a (re)subscription failed, for the log.
  std::function<void(const std::string&)> on_error;
};

class StreamFollower {
 public:
  explicit StreamFollower(FollowOptions options);
  ~StreamFollower();
  // Connects in the background, retrying with backoff until NATS and the
  // stream are there.
  void start();
  // The first subscription made here and now; only when it is made does
  // the follower go on in the background (true). For a caller that has
  // somewhere else to turn when NATS is not there.
  bool try_start();
  // Returns once no message is being handed over, and none will be.
  void stop();
  bool subscribed() const;
  // The stream sequence of the last message handed over (0: none).
  uint64_t last_sequence() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::api::nats
