// Internal state of EventStore, shared by store*.cpp. Not a public header.
#pragma once

#include <flatbuffers/flatbuffers.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/atomic_histogram.h"
#include "core/mutex.h"
#include "core/sharded_map.h"
#include "core/string_hash.h"
#include "eventstore/keys.h"
#include "eventstore/log_tail.h"
#include "eventstore/record.h"
#include "eventstore/replication.h"
#include "eventstore/rocksdb_handle.h"
#include "eventstore/store.h"

namespace orderly::eventstore {

// A written batch waiting for the sync thread to make it durable.
struct SyncTicket {
  // The position that must be durable before its results may be given: its
  // own events' last position, or that of an earlier (perhaps still
  // syncing) commit that one of its duplicate command ids points at.
  uint64_t required_position = 0;
  AppendResults results;
  AppendCallback done;
  // The commit's events as framed, for the followers' window (LogTail::
  // offer) once durable; null when no follower was attached or nothing new
  // was written.
  std::shared_ptr<const LogBatch> events;
  // The leader's replicated log, which must hold the commit before it is
  // published (null: not replicating).
  std::shared_ptr<ReplicationGate> gate;
};

// What the writer knows of one stream.
struct StreamState {
  uint64_t version = 0;      // committed version (0 = no stream yet)
  uint64_t batch_epoch = 0;  // the commit that last touched it
  uint32_t batch_slot = 0;   // its BatchStream in that commit
};

// Sharded (core/sharded_map.h) so growing never pauses the writer for long;
// std::unordered_map shards keep BatchStream's pointers stable.
using StreamMap =
    ShardedMap<std::unordered_map<std::string, StreamState, StringHash, std::equal_to<>>>;

// What one group commit has done to a stream so far.
struct BatchStream {
  StreamMap::value_type* stream = nullptr;  // stable: unordered_map nodes never move
  uint64_t version = 0;                     // version after this batch's events so far
  uint64_t first_new_version = 0;           // 0 = no event for it yet (only checked)
  std::vector<IndexRun> runs;

  // Its next version is the event at `position`: counted into this
  // commit's index chunk (a run grows while the positions are consecutive).
  void add_event(uint64_t position) {
    ++version;
    if (first_new_version == 0)
      first_new_version = version;
    if (!runs.empty() && runs.back().first_position + runs.back().count == position)
      ++runs.back().count;
    else
      runs.push_back({position, 1});
  }
};

// A version a request has claimed but not yet merged into the batch.
struct Tentative {
  std::string_view stream;
  uint64_t version;
};

// One commit while it is being built: what commit()'s steps share.
struct PendingCommit {
  std::span<const AppendRequest> requests;
  AppendResults results;  // one per request so far
  TimestampUs batch_time = 0;
  uint64_t first_position = 0;
  uint64_t next_position = 0;              // the next event's
  std::vector<size_t> duplicates_to_fill;  // results whose stream versions come from the log
  std::vector<Tentative> tentative;        // the version check's scratch, per request
  std::vector<uint64_t> bases;             // each write's stream version before it
  bool share = false;                      // copy the envelopes for the followers' window
};

struct EventStore::Impl {
  // --- constant after open ---
  std::string dir;
  StoreOptions options;
  RocksDbHandle rocks;

  // --- made at open, stopped by close(): the followers' shared scan ---
  std::unique_ptr<LogTail> tail;

  // --- lifetime: readers count themselves in; close() waits for them ---
  std::atomic<int> active_readers{0};
  std::atomic<bool> closing{false};

  // --- published state ---
  std::atomic<uint64_t> last_position{0};
  // Orders a publish with the waiters' check (wait_for_position); guards
  // no field (last_position is atomic), hence a plain std::mutex.
  mutable std::mutex position_mu;
  mutable std::condition_variable position_cv;
  std::atomic<uint64_t> stat_commits{0}, stat_syncs{0}, stat_events{0}, stat_bytes{0},
      stat_sync_micros{0}, stat_max_sync_micros{0};
  AtomicHistogram sync_seconds;  // each fsync of the WAL (SyncMode::kAlways)

  // --- the sync thread's queue, protected by sync_mu ---
  Mutex sync_mu ACQUIRED_AFTER(commit_mu);
  std::condition_variable sync_cv;
  std::vector<SyncTicket> tickets GUARDED_BY(sync_mu);
  bool sync_stop GUARDED_BY(sync_mu) = false;
  std::thread syncer;
  // A failed fsync leaves it unknown what reached the disk: from then on the
  // store refuses appends until it is reopened (and RocksDB recovers the WAL).
  std::atomic<bool> sync_failed{false};
  // The replicated log refused a commit (this node lost its leadership):
  // no commit is taken or published again in this process.
  std::atomic<bool> replication_failed{false};
  Mutex replication_failure_mu ACQUIRED_AFTER(sync_mu);
  Status replication_failure GUARDED_BY(replication_failure_mu);

  // --- writer state, protected by commit_mu ---
  Mutex commit_mu;
  bool closed GUARDED_BY(commit_mu) = false;
  // The last position written to RocksDB, durable or not.
  uint64_t written_position GUARDED_BY(commit_mu) = 0;
  // A Write failed: reload the tail before the next one.
  bool needs_recovery GUARDED_BY(commit_mu) = false;
  // The same, for the sync thread: no WAL sync or flush until Resume() has
  // replaced the failed WAL (Debian's librocksdb asserts, and aborts the
  // process, on a sync after a failed append).
  std::atomic<bool> write_failed{false};
  // Held across every RocksDB write of this store and across each WAL
  // sync or flush: a sync must not start between a write failing and
  // write_failed being set (Debian's librocksdb asserts on it). A write
  // takes tens of microseconds; the fsync does not wait on building the
  // next batch, only on its write. Guards RocksDB's WAL, no field of ours.
  std::mutex wal_mu;
  // The committed version of every stream written or checked since open;
  // the others are read from the index on first touch
  // (indexed_stream_version), so opening costs nothing per stream. Memory
  // grows with the streams touched (about 100 bytes each).
  StreamMap streams GUARDED_BY(commit_mu);
  uint64_t batch_epoch GUARDED_BY(commit_mu) = 0;
  // [0, batch_stream_count) in use; reused.
  std::vector<BatchStream> batch_streams GUARDED_BY(commit_mu);
  size_t batch_stream_count GUARDED_BY(commit_mu) = 0;
  std::unordered_map<std::string, std::pair<uint64_t, uint32_t>, StringHash, std::equal_to<>>
      batch_commands GUARDED_BY(commit_mu);
  flatbuffers::FlatBufferBuilder fbb GUARDED_BY(commit_mu){1024};
  RecordBuilder record GUARDED_BY(commit_mu);
  rocksdb::WriteBatch write_batch GUARDED_BY(commit_mu);
  std::string index_key GUARDED_BY(commit_mu), index_chunk GUARDED_BY(commit_mu);
  // The commit's envelopes for the followers (LogTail::offer), and the
  // batch made of them once the commit is written (taken by its ticket).
  LogBatchBuilder tail_events GUARDED_BY(commit_mu);
  std::shared_ptr<const LogBatch> committed_events GUARDED_BY(commit_mu);
  // Replication: where commits go, and the commit's records being copied
  // for it (null when not replicating).
  std::shared_ptr<ReplicationGate> gate GUARDED_BY(commit_mu);
  std::shared_ptr<ReplicatedCommit> replicated GUARDED_BY(commit_mu);

  // Writes the batch to RocksDB without sync. Returns the results and sets
  // *required to the position that must be durable before they are given.
  AppendResults commit(std::span<const AppendRequest> requests, uint64_t* required,
                       bool all_or_nothing = false) REQUIRES(commit_mu);
  // commit()'s steps, in order:
  // Why no commit can be made now (closed, read-only, failed); recovers
  // first after a failed write.
  Status refusal_of_any_commit() REQUIRES(commit_mu);
  void begin_commit(PendingCommit& c) REQUIRES(commit_mu);
  // A retry's first answer (the same command id, in this commit or the
  // log), or the error reading it; nullopt for a new command.
  std::optional<Result<AppendResult>> earlier_answer(const AppendRequest& req) REQUIRES(commit_mu);
  // Every stream where the request expects it; fills c.bases.
  Status check_expected_versions(const AppendRequest& req, PendingCommit& c) REQUIRES(commit_mu);
  // Positions, versions, envelopes into records, the command id.
  AppendResult frame_events(const AppendRequest& req, PendingCommit& c) REQUIRES(commit_mu);
  void put_record() REQUIRES(commit_mu);  // the record being framed into the WriteBatch
  void put_index_chunks() REQUIRES(commit_mu);
  Status write_unsynced() REQUIRES(commit_mu);  // the WriteBatch into RocksDB, without sync
  // Retries answer with the stream versions their first commit produced.
  void fill_duplicate_versions(PendingCommit& c) REQUIRES(commit_mu);
  // The sync thread (store_sync.cpp). A ticket is queued under commit_mu,
  // which keeps the tickets in the order of their commits.
  void enqueue_ticket(SyncTicket ticket) REQUIRES(commit_mu) EXCLUDES(sync_mu);
  void run_syncer() EXCLUDES(sync_mu);
  void stop_syncer() EXCLUDES(sync_mu);
  // The stream's BatchStream in the current commit, created on first touch.
  Result<BatchStream*> touch(std::string_view stream) REQUIRES(commit_mu);
  // The version the stream index holds for a stream not in `streams`.
  Result<uint64_t> indexed_stream_version(std::string_view stream) const;
  Status recover_after_write_error() REQUIRES(commit_mu);

  // The last position as stored on disk (last record's key + count - 1).
  Result<uint64_t> read_last_position() const;
  Result<uint64_t> read_stream_version(std::string_view stream) const;
  void publish_position(uint64_t position);
};

// Counts a reader in for the duration of a read, so that close() never pulls
// the database from under it. A read that starts after close() began gets
// shutting_down instead.
class ReadGuard {
 public:
  explicit ReadGuard(const EventStore::Impl& impl) : impl_(const_cast<EventStore::Impl&>(impl)) {
    impl_.active_readers.fetch_add(1);
    open_ = !impl_.closing.load();
  }
  ~ReadGuard() { impl_.active_readers.fetch_sub(1); }
  ReadGuard(const ReadGuard&) = delete;
  ReadGuard& operator=(const ReadGuard&) = delete;
  Status status() const {
    return open_ ? Status::ok() : Status::shutting_down("the event store is closed");
  }

 private:
  EventStore::Impl& impl_;
  bool open_;
};

}  // namespace orderly::eventstore
