// The shared scan: each new stretch of the log enters a bounded window of
// recent batches once (handed over by the store, or read: read_log_batch,
// verified, copied out of RocksDB), where every log follower of the
// process (log_follower.h) takes it. Before it, each follower read and
// verified the same bytes itself, each with its own RocksDB seek: ten seeks
// and ten verifications of every new event in `orderly serve`.
//
// Mostly nobody reads: the store offers each commit's events, as it framed
// them, once they are durable and before their positions are published
// (offer()), so a follower woken by a new position finds them in the
// window. What was not offered (the window was busy with a read, or the
// writer's batch did not follow on: after a failed write) is read:
//
// Who reads: the first follower that needs the next stretch, on its own
// thread, while the others needing it wait for that read instead of making
// their own. No thread of its own: the first follower gets its events as
// soon as it did before (one hop less than a reader thread handing them
// over, which measured slower on 2 busy cores), and nobody reads when
// nobody follows.
//
// A slow follower does not hold the others up: a batch leaves the window
// when it is too old (window_events positions, window_bytes bytes), and a
// follower that wants an older position is told it is behind and reads
// that stretch from the store itself until it has caught up with the
// window. Batches are shared_ptrs: one a follower still holds outlives the
// window.
//
// The window starts at the log's end when the first follower attaches
// (followers behind it catch up from the store). The store owns one
// (EventStore::tail()) and stops it when it closes.
//
// Thread safety: every method from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include "core/mutex.h"
#include "eventstore/log_batch.h"

namespace orderly::eventstore {

struct LogTailOptions {
  uint64_t max_batch = 4096;        // positions per read
  uint64_t window_events = 65'536;  // positions the window keeps at most
  size_t window_bytes = 64 << 20;   // and bytes (the newest batch is always kept)
};

struct LogTailStats {
  uint64_t position = 0;  // the last position put into the window
  uint64_t batches = 0;   // batches put into the window: read, or offered by the writer
  uint64_t events = 0;    // events put into the window
  uint64_t reads = 0;     // of the batches, those read from the store (each one RocksDB seek)
  uint64_t failures = 0;  // failed reads (the follower that made it backs off)
  Status last_error;      // of the last read (ok once one succeeds)
};

class LogTail {
 public:
  explicit LogTail(const EventStore& log, LogTailOptions options = {});
  LogTail(const LogTail&) = delete;
  LogTail& operator=(const LogTail&) = delete;

  // A follower counts itself in while it runs; the window starts at the
  // log's end when the first one comes, and is dropped when the last goes.
  void attach();
  void detach();

  struct Lookup {
    std::shared_ptr<const LogBatch> batch;  // the batch holding the position; or null:
    bool behind = false;                    // older than the window (read it from the store), or
    Status error;                           // the shared read of it failed, or not in the log yet
  };
  // The window's batch holding `position`: read now by the caller when it
  // is the first to need it, or by another follower while this one waits.
  // Waits up to `wait` for the log to have it (returning early once `stop`
  // is set and wake() called). When not sharing (stopped, or nobody
  // attached) it only waits for the log, and returns nothing: the caller
  // reads it itself.
  Lookup find(uint64_t position, std::chrono::milliseconds wait, const std::atomic<bool>& stop);
  // The window's batch holding `position`, or null (not in the window, or
  // not sharing): a look that never waits and never reads. For reads of
  // one recent event (EventStore::read_event), which it spares a RocksDB
  // seek.
  std::shared_ptr<const LogBatch> recent(uint64_t position) const;
  // Whether followers are attached (a commit's events are then worth
  // offering). A hint: offer() checks again.
  bool sharing() const { return sharing_.load(std::memory_order_relaxed); }
  // The store's commit of positions [batch.first, batch.last], durable and
  // not yet published: kept when it follows on from the window (and no
  // read is under way), dropped otherwise (it is read when asked for).
  void offer(std::shared_ptr<const LogBatch> batch);
  // Wakes every find() that waits for another's read, to look at its `stop`.
  void wake();
  // Stops sharing for good and drops the window (the store is closing).
  void stop();
  LogTailStats stats() const;

 private:
  void publish(std::shared_ptr<const LogBatch> batch) REQUIRES(mu_);

  const EventStore& log_;
  const LogTailOptions options_;

  mutable Mutex mu_;
  std::condition_variable cv_;  // a read finished, or wake()
  int attached_ GUARDED_BY(mu_) = 0;
  bool stopped_ GUARDED_BY(mu_) = false;  // stop() was called: never again
  bool reading_ GUARDED_BY(mu_) = false;  // a follower is reading the next stretch for all
  // Contiguous, oldest first.
  std::deque<std::shared_ptr<const LogBatch>> window_ GUARDED_BY(mu_);
  uint64_t window_positions_ GUARDED_BY(mu_) = 0, window_bytes_ GUARDED_BY(mu_) = 0;
  // The last position in the window (or where it starts).
  uint64_t published_ GUARDED_BY(mu_) = 0;
  LogTailStats stats_ GUARDED_BY(mu_);
  std::atomic<bool> sharing_{false};  // attached_ > 0 && !stopped_
};

}  // namespace orderly::eventstore
