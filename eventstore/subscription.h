// A named follower of the log: catches up from its checkpoint, then follows
// live appends, delivering each event exactly once per run, in position order.
//
// Why it has no gap or duplicate at the hand-over from catch-up to live: there
// is no hand-over. It always reads positions (next .. last_position()] from
// RocksDB, and last_position() is published only after the batch holding it
// is readable; positions are assigned under the commit lock in commit order.
//
// Thread safety: start/stop/position from any thread; the handler runs on the
// subscription's own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "core/envelope.h"
#include "core/status.h"
#include "eventstore/store.h"

namespace orderly::eventstore {

struct SubscriptionOptions {
  // 0: resume after the saved checkpoint. Otherwise the first position wanted.
  uint64_t from_position = 0;
  // Save the checkpoint after each delivered chunk. Turn off when the handler
  // stores its checkpoint together with its own state (projections).
  bool auto_checkpoint = true;
  uint64_t max_chunk = 1024;
  std::chrono::milliseconds idle_wait{200};
  std::chrono::milliseconds retry_backoff{100};
};

class Subscription {
 public:
  // Return an error to have the event redelivered after a backoff.
  using Handler = std::function<Status(const EventView&)>;

  Subscription(EventStore& store, std::string name, Handler handler,
               SubscriptionOptions options = {});
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  Status start();
  void stop();  // waits for the handler to return; idempotent

  // The last position delivered successfully (0 before any).
  uint64_t position() const { return delivered_.load(); }
  const std::string& name() const { return name_; }
  // The last error the handler or the store returned, for lag reporting.
  Status last_error() const;

 private:
  void run(uint64_t next);

  EventStore& store_;
  const std::string name_;
  const Handler handler_;
  const SubscriptionOptions options_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> delivered_{0};
  mutable std::mutex error_mu_;
  Status last_error_;
  std::thread thread_;
};

}  // namespace orderly::eventstore
