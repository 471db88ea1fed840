// The log follower that publishes every event, in position order, to a NATS
// JetStream stream (created if missing, file storage):
//
//   subject  orderly.events.<aggregate>.<event>   e.g. orderly.events.order.placed
//   payload  the FlatBuffers envelope as stored
//   headers  Nats-Msg-Id = position (JetStream drops a republished duplicate),
//            Orderly-Type, Orderly-Stream, Orderly-Position, Orderly-Time
//
// It is a log follower (eventstore/log_follower.h) with a durable
// checkpoint. Publishing is pipelined: a slice of up to `batch` events goes
// out with async publishes (at most `window` unacknowledged), then the
// handler waits for every ack, and only then does the follower advance its
// checkpoint (saved in the event store). While NATS is down the engine
// keeps taking commands; the follower retries the slice after its backoff
// (100 ms doubling up to `max_backoff`) and catches up when NATS is back.
//
// nats-server 2.9 acknowledges before its data is on disk, so after a crash
// of the machine it may have lost the last messages it acknowledged: at start
// the follower republishes from `republish_margin` positions behind its
// checkpoint, and the duplicate window makes the overlap harmless.
//
// The stream itself says how far the fan-out got: at start, once connected,
// the events up to one slice (`batch`) before the stream's last message are
// skipped, whatever the checkpoint says. So the new leader of a replicated
// cluster, whose own checkpoint is as old as its last turn as leader,
// continues where the old leader's fan-out stopped instead of sending the
// log again beyond the duplicate window.
//
// Thread safety: start/stop from one thread; stats() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "eventstore/store.h"

namespace orderly::api::fanout {

struct NatsFanoutOptions {
  std::string url;                 // nats://127.0.0.1:4222
  std::string stream = "ORDERLY";  // the JetStream stream
  std::string subject_prefix = "orderly.events";
  std::string checkpoint = "fanout-nats";
  uint64_t batch = 16384;  // events per checkpoint step (4 windows: few pipeline bubbles)
  int64_t window = 4096;   // unacknowledged publishes in flight
  uint64_t republish_margin = 10'000;
  std::chrono::milliseconds ack_wait{5000};
  std::chrono::milliseconds max_backoff{5000};
};

struct FanoutStats {
  uint64_t published_position = 0;  // every event up to here is acknowledged by JetStream
  uint64_t published = 0;           // messages acknowledged (republished ones included)
  uint64_t publish_errors = 0;      // failed publishes or batches (each retried)
  bool connected = false;
};

class NatsFanout {
 public:
  explicit NatsFanout(const eventstore::EventStore& log, eventstore::EventStore& checkpoints,
                      NatsFanoutOptions options);
  ~NatsFanout();
  void start();
  void stop();
  FanoutStats stats() const;

  // "orderly.events.order.placed" for "order.placed".
  static std::string subject_of(std::string_view prefix, std::string_view type_name);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::api::fanout
