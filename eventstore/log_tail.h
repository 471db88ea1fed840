// The shared scan: one thread per store reads each new stretch of the log
// once (read_log_batch: verified, copied out of RocksDB) and keeps the
// latest batches in a bounded window, where every log follower of the
// process (log_follower.h) takes them. Before it, each follower read and
// verified the same bytes itself, each with its own RocksDB seek: ten
// seeks and ten verifications of every new event in `orderly serve`.
//
// The tail never waits for a follower: a batch leaves the window when it is
// too old (window_events positions, window_bytes bytes), and a follower
// that wants an older position is told it is behind and reads that stretch
// from the store itself until it has caught up with the window. Batches
// are shared_ptrs: one a follower still holds outlives the window.
//
// It reads only while a follower is attached, from the log's end at that
// time (followers behind it catch up from the store). The store owns one
// (EventStore::tail()) and stops it when it closes.
//
// Thread safety: every method from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "eventstore/backoff.h"
#include "eventstore/log_batch.h"

namespace orderly::eventstore {

struct LogTailOptions {
  uint64_t max_batch = 4096;        // positions per read
  uint64_t window_events = 65'536;  // positions the window keeps at most
  size_t window_bytes = 64 << 20;   // and bytes (the newest batch is always kept)
  std::chrono::milliseconds idle_wait{50};
  BackoffOptions backoff{std::chrono::milliseconds(50), std::chrono::milliseconds(2000)};
};

struct LogTailStats {
  uint64_t position = 0;  // the last position read into the window
  uint64_t batches = 0;   // reads (each one RocksDB seek)
  uint64_t events = 0;    // events read
  uint64_t failures = 0;  // failed reads (each retried after a backoff)
  Status last_error;      // of the last read (ok once one succeeds)
};

class LogTail {
 public:
  explicit LogTail(const EventStore& log, LogTailOptions options = {});
  ~LogTail();
  LogTail(const LogTail&) = delete;
  LogTail& operator=(const LogTail&) = delete;

  // A follower counts itself in while it runs: the tail reads while anyone
  // is attached, and starts from the log's end when the first one comes.
  void attach();
  void detach();

  struct Lookup {
    std::shared_ptr<const LogBatch> batch;  // the batch holding the position; or null:
    bool behind = false;                    // older than the window (read it from the store)
  };                                        // or not read yet
  // The window's batch holding `position`, waiting up to `wait` for the
  // tail to read it (returning early once `stop` is set and wake() called).
  // When the tail is not reading, it waits on the store for the position
  // instead, and returns nothing: the caller reads it itself.
  Lookup find(uint64_t position, std::chrono::milliseconds wait, const std::atomic<bool>& stop);
  // Wakes every find() that waits, to look at its `stop` again.
  void wake();
  // Stops reading for good and drops the window (the store is closing).
  void stop();
  LogTailStats stats() const;

 private:
  void run();
  // REQUIRES: mu_ held.
  bool reading() const { return attached_ > 0 && !stopped_; }

  const EventStore& log_;
  const LogTailOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // a batch published, wake(), or stopping
  // --- guarded by mu_ ---
  int attached_ = 0;
  bool running_ = false;                                // the thread is in run()
  bool stopped_ = false;                                // stop() was called: never again
  std::deque<std::shared_ptr<const LogBatch>> window_;  // contiguous, oldest first
  uint64_t window_positions_ = 0, window_bytes_ = 0;
  uint64_t published_ = 0;  // the last position in the window (or where reading started)
  LogTailStats stats_;
  std::thread thread_;
};

}  // namespace orderly::eventstore
