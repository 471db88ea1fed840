// A named follower of the log: every reader that follows the log in a
// process (the read models, the NATS fan-out, the email notifier, the
// WebSocket feed) is one. It catches up from where it left off, then
// follows live appends, handing its handler slices of consecutive positions
// in order, each position exactly once per run.
//
// Where the events come from: the store's shared scan (log_tail.h), where
// each new stretch enters once for every follower (handed over by the
// writer, or read and verified by the first follower needing it); a follower
// behind the tail's window (catching up, or slower than the others) reads
// its stretch from the store itself until it has caught up with it.
//
// Why there is no gap or duplicate at any hand-over (catch-up to live,
// store to window, a handler's error): there is no state to hand over but
// the follower's own position. Every read, from the window or the store,
// asks for the position after it; the window's batches are contiguous, and
// the store is read only up to last_position(), which is published only
// after the batch holding it is readable (positions are assigned under the
// commit lock, in commit order).
//
// Errors (a failed read, or a handler's failure: NATS down, SMTP refusing,
// a full command queue) are retried after a backoff that doubles up to a
// cap (backoff.h), counted, and reported through last_error() and
// on_error; nothing is skipped and nothing spins.
//
// Thread safety: start/stop from one thread; the rest from any. The
// handler runs on the follower's own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/envelope.h"
#include "core/mutex.h"
#include "core/status.h"
#include "eventstore/backoff.h"
#include "eventstore/log_batch.h"
#include "eventstore/store.h"

namespace orderly::eventstore {

// Consecutive positions [first, last] of the log, and those of their events
// the follower asked for (all of them without a types filter), in order.
// The views are valid during the handler's call only.
struct LogSlice {
  uint64_t first = 0;
  uint64_t last = 0;
  std::span<const EventView> events;
};

// What a handler did with a slice: every position up to `through` is done
// (slice.last for the whole slice; first - 1 for none of it). With an error
// the follower backs off, then hands over what comes after `through` again.
struct Handled {
  uint64_t through = 0;
  Status status;
};

using SliceHandler = std::function<Handled(const LogSlice&)>;

// A slice handler that hands the events to `handle` one by one, stopping at
// the first error (that event is handed over again after the backoff).
SliceHandler each_event(std::function<Status(const EventView&)> handle);

struct FollowerOptions {
  // Where the follower keeps its place, under its name: loaded at start,
  // saved after each handled slice (never backwards) and at stop. Null: no
  // durable checkpoint (a handler that saves its place with its own state,
  // or one that starts afresh each run).
  EventStore* checkpoints = nullptr;
  // The last position already handled; unset: the checkpoint's (0 without).
  std::optional<uint64_t> start_after;
  std::vector<EventType> types;  // the events handed over; empty: all
  uint64_t max_chunk = 1024;     // events per slice at most
  std::chrono::milliseconds idle_wait{200};
  BackoffOptions backoff;
  // Called on the follower's thread with each failure, for the log.
  std::function<void(const Status&)> on_error;
};

class LogFollower {
 public:
  LogFollower(const EventStore& log, std::string name, SliceHandler handler,
              FollowerOptions options = {});
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  // Errors: its checkpoint could not be read; already running.
  Status start();
  // Waits for the handler to return; saves the checkpoint. Idempotent; the
  // follower can be started again, from where it stopped.
  void stop();
  // Tells it to stop without waiting (an idle follower notices within its
  // idle_wait): for an owner of several, before it stops each.
  void request_stop();

  const std::string& name() const { return name_; }
  // The last position handled (the start position before any).
  uint64_t position() const { return position_.load(); }
  // The last attempt's failure, until an attempt succeeds.
  Status last_error() const;
  uint64_t failures() const { return failures_.load(); }
  // Stretches it read from the store itself (behind the shared scan's
  // window, or before the scan had them); the others came from the window.
  uint64_t own_reads() const { return own_reads_.load(); }

 private:
  void run();
  // The next slice after `position_` into views_/held_: ok with *last = 0
  // when there is nothing new yet.
  Status next_slice(uint64_t* last);
  void advance(uint64_t through);
  void fail(const Status& st, Backoff& backoff);

  const EventStore& log_;
  const std::string name_;
  const SliceHandler handler_;
  const FollowerOptions options_;

  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> position_{0};
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> own_reads_{0};
  uint64_t saved_ = 0;  // the checkpoint as stored (follower thread, and start/stop)
  mutable Mutex mu_;
  std::condition_variable stop_cv_;  // ends a backoff early at stop()
  Status last_error_ GUARDED_BY(mu_);
  std::thread thread_;
  // The slice being handed over (follower thread only): views into batches
  // it holds.
  std::vector<EventView> views_;
  std::vector<std::shared_ptr<const LogBatch>> held_;
};

}  // namespace orderly::eventstore
