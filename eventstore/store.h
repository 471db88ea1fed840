// The event store: an append-only log of events in RocksDB with a stream
// index, idempotent appends, group commit and durable checkpoints.
// The bytes on disk are described in eventstore/LOG_FORMAT.md.
//
// Thread safety: every public method is safe to call from any thread.
// Appends are serialised internally and group-committed: each batch is written
// to RocksDB without sync, and a sync thread makes everything written so far
// durable with one fsync, so a writer prepares batch N+1 while batch N is
// being synced, and concurrent appenders share fsyncs. Readers see only
// durable events (up to last_position()). Reads never block writes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/atomic_histogram.h"
#include "core/envelope.h"
#include "core/status.h"
#include "eventstore/recorded_event.h"
#include "eventstore/replication.h"
#include "eventstore/types.h"

namespace rocksdb {
class Env;
}

namespace orderly::eventstore {

class LogTail;

struct StoreOptions {
  SyncMode sync = SyncMode::kAlways;
  bool create_if_missing = true;
  // Opens without taking the directory lock and without writing: for verify,
  // replay and online backup beside a running server. Appends fail.
  bool read_only = false;
  // With read_only: open as a RocksDB secondary instance keeping its own
  // files here, so catch_up() can follow a running server's new events.
  std::string secondary_path;
  // A record is closed when it reaches this size; bigger commits write several.
  size_t max_record_bytes = 1 << 20;
  // The environment RocksDB does its I/O through; null = the real one. Tests
  // swap in a fault-injecting one (tests/support/faulty_fs.h).
  std::shared_ptr<rocksdb::Env> env;
  // Positions of the newest events the shared scan keeps for the log
  // followers (log_tail.h); one further behind reads from the store itself.
  uint64_t follower_window = 65'536;
};

struct StoreStats {
  uint64_t commits = 0;          // WriteBatches written
  uint64_t syncs = 0;            // fsyncs of the WAL (each covers one or more commits)
  uint64_t events = 0;           // events appended
  uint64_t bytes = 0;            // bytes of records written
  uint64_t sync_micros = 0;      // total time spent in fsync
  uint64_t max_sync_micros = 0;  // the slowest fsync so far
};

using AppendResults = std::vector<Result<AppendResult>>;
using AppendCallback = std::function<void(AppendResults)>;

class EventStore {
 public:
  // Opens (or creates) the store in `dir`.
  static Result<std::unique_ptr<EventStore>> open(const std::string& dir,
                                                  const StoreOptions& options = {});
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Appends atomically; returns once the events are durable (per SyncMode).
  // An io_error is ambiguous: the events may or may not have reached the
  // disk. Retry with the same command id to learn which, without doubling.
  // Errors: version_conflict (naming both versions), validation_failed,
  // io_error; nothing of a failed request is written.
  Result<AppendResult> append(const AppendRequest& request);
  Result<AppendResult> append(std::string_view stream, ExpectedVersion expected,
                              std::span<const NewEvent> events, std::string_view command_id = {});

  // Commits several independent requests in one WriteBatch with one fsync.
  // Each request succeeds or fails on its own; later requests see the
  // versions the earlier ones produced. This is the single writer's path.
  AppendResults append_batch(std::span<const AppendRequest> requests);

  // append_batch without waiting: returns once the batch is written, with
  // the write-phase results (positions assigned, not yet durable; its
  // versions are what the next batch is checked against). Calls `done` on
  // the store's sync thread once the batch, and position `also_wait_for`,
  // are durable (or have failed), in submission order, with the final
  // results. The bytes `requests` view must live until `done` runs. `done`
  // must not call back into the store's append functions or close().
  //
  // With `all_or_nothing`, one refused request refuses the whole batch and
  // nothing of it is written: for a writer whose later requests were decided
  // on top of earlier ones (commands/processor.cpp).
  AppendResults submit_batch(std::span<const AppendRequest> requests, AppendCallback done,
                             uint64_t also_wait_for = 0, bool all_or_nothing = false);

  // After appends failed with io_error because a write to the log failed
  // (a full disk): makes the store writable again if the cause is gone,
  // with every batch written before the failure durable and visible. Ok at
  // once when no write failed. A failed fsync cannot be recovered from in
  // this process (its pages may be lost): io_error until reopened. Appends
  // also try this by themselves; a writer that must re-read the log before
  // deciding again calls it first.
  Status resume_writes();

  // Replication (eventstore/replication.h). A leader's store: every later
  // commit is offered to `gate`, and made visible and acknowledged only once
  // the gate holds it; null stops offering. Set before the writer starts.
  void set_replication_gate(std::shared_ptr<ReplicationGate> gate);

  // A follower's store: appends a commit the leader made, byte for byte at
  // the same positions, with the stream index and the command ids derived
  // from its envelopes, durably, and checkpoint `checkpoint` = `value` in
  // the same write (where in the replicated log it came from, so a restart
  // resumes there). Every record and envelope is verified first, and each
  // event's version must follow on from its stream's. Errors:
  // invalid_argument when it does not start at last_position() + 1 or the
  // store has a gate (a leader), corruption for a damaged commit, as append
  // otherwise; nothing of a refused commit is written.
  Status apply_replicated(const ReplicatedCommit& commit, std::string_view checkpoint,
                          uint64_t value);

  // The log's records as stored, from the one holding `from` on, in order,
  // up to the last one written (durable or not: a deposed leader's records
  // the replicated log never took are among them). `visit` returns false to
  // stop. For publishing a log into an empty replicated log, and comparing a
  // node's log with it.
  Status scan_records(uint64_t from,
                      const std::function<bool(ReplicatedRecord record)>& visit) const;

  // A replicated node's log after a restart: moves every record after
  // `position` (the last one the replicated log is known to hold) into a
  // quarantine file at `file` (eventstore/quarantine.h), then deletes them
  // with their index entries and command ids, durably. The number of records
  // moved (0: nothing after `position`, no file). REQUIRES: no log follower,
  // writer or gate yet (call it right after open). Errors: invalid_argument
  // when `position` is inside a record, io_error.
  Result<uint64_t> quarantine_after(uint64_t position, const std::string& file);

  // The position of the last committed event; 0 on an empty log.
  uint64_t last_position() const;
  // Waits until last_position() >= position or the timeout passes; returns
  // whether it got there.
  bool wait_for_position(uint64_t position, std::chrono::milliseconds timeout) const;

  // The stream's current version (0 = no such stream), counting durable events only.
  Result<uint64_t> stream_version(std::string_view stream) const;

  // Up to max_count events of a stream, starting at from_version (inclusive)
  // and going forwards, or backwards (from_version = kEndOfLog: the newest).
  Result<std::vector<RecordedEvent>> read_stream(std::string_view stream, uint64_t from_version,
                                                 uint64_t max_count,
                                                 Direction direction = Direction::kForward) const;

  // The event at a global position; not_found beyond the end.
  Result<RecordedEvent> read_event(uint64_t position) const;

  // Visits the events of the log in position order that match `query`. The
  // view is valid only during the call; return false to stop early. Every
  // visited event has passed the verifier. Constant memory. `visit` must not
  // close the store.
  Status scan(const LogQuery& query, const std::function<bool(const EventView&)>& visit) const;

  // The shared scan of the log's new events that every log follower of
  // this store takes its events from (log_tail.h): one per store, so one
  // per process. Stopped by close().
  LogTail& tail() const;

  // Durable checkpoints, per subscriber name (0 when never saved).
  Result<uint64_t> load_checkpoint(std::string_view name) const;
  Status save_checkpoint(std::string_view name, uint64_t position, bool sync = false);

  // A consistent copy of the whole store into `dir` (which must not exist),
  // taken while appends go on (RocksDB checkpoint: hard links where possible).
  Status backup_to(const std::string& dir);

  // For a secondary instance: reads what the primary has written since, and
  // advances last_position(). A no-op for other stores.
  Status catch_up();

  StoreStats stats() const;
  // The duration of each fsync of the log, for /metrics.
  const AtomicHistogram& sync_histogram() const;
  const std::string& dir() const;
  SyncMode sync_mode() const;

  // Waits for in-flight appends (every written batch is synced and answered)
  // and for running reads, then flushes and closes. Later appends and reads
  // fail with shutting_down. Called by the destructor. Stop log followers
  // first: their next read would fail (and they would retry until stopped).
  Status close();

  struct Impl;

 private:
  explicit EventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

std::string_view sync_mode_name(SyncMode mode);
Result<SyncMode> parse_sync_mode(std::string_view text);

// Stream names: 1..255 bytes, no NUL byte.
Status validate_stream_name(std::string_view stream);

}  // namespace orderly::eventstore
