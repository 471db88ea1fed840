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

#include "core/sharded_map.h"
#include "core/string_hash.h"
#include "eventstore/log_tail.h"
#include "eventstore/record.h"
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
  mutable std::mutex position_mu;
  mutable std::condition_variable position_cv;
  std::atomic<uint64_t> stat_commits{0}, stat_syncs{0}, stat_events{0}, stat_bytes{0},
      stat_sync_micros{0}, stat_max_sync_micros{0};

  // --- the sync thread's queue, protected by sync_mu ---
  std::mutex sync_mu;
  std::condition_variable sync_cv;
  std::vector<SyncTicket> tickets;
  bool sync_stop = false;
  std::thread syncer;
  // A failed fsync leaves it unknown what reached the disk: from then on the
  // store refuses appends until it is reopened (and RocksDB recovers the WAL).
  std::atomic<bool> sync_failed{false};

  // --- writer state, protected by commit_mu ---
  std::mutex commit_mu;
  bool closed = false;
  uint64_t written_position = 0;  // last position written to RocksDB, durable or not
  bool needs_recovery = false;    // a Write failed: reload the tail before the next one
  // The same, for the sync thread: no WAL sync or flush until Resume() has
  // replaced the failed WAL (Debian's librocksdb asserts, and aborts the
  // process, on a sync after a failed append).
  std::atomic<bool> write_failed{false};
  // Held across every RocksDB write of this store and across each WAL
  // sync or flush: a sync must not start between a write failing and
  // write_failed being set (Debian's librocksdb asserts on it). A write
  // takes tens of microseconds; the fsync does not wait on building the
  // next batch, only on its write.
  std::mutex wal_mu;
  // The committed version of every stream written or checked since open;
  // the others are read from the index on first touch
  // (indexed_stream_version), so opening costs nothing per stream. Memory
  // grows with the streams touched (about 100 bytes each).
  StreamMap streams;
  uint64_t batch_epoch = 0;
  std::vector<BatchStream> batch_streams;  // [0, batch_stream_count) in use; reused
  size_t batch_stream_count = 0;
  std::unordered_map<std::string, std::pair<uint64_t, uint32_t>, StringHash, std::equal_to<>>
      batch_commands;
  flatbuffers::FlatBufferBuilder fbb{1024};
  RecordBuilder record;
  rocksdb::WriteBatch write_batch;
  std::string index_key, index_chunk;

  // Writes the batch to RocksDB without sync. Returns the results and sets
  // *required to the position that must be durable before they are given.
  // REQUIRES: commit_mu held.
  AppendResults commit(std::span<const AppendRequest> requests, uint64_t* required,
                       bool all_or_nothing = false);
  void enqueue_ticket(SyncTicket ticket);  // REQUIRES: commit_mu held (keeps tickets in order)
  void run_syncer();
  void stop_syncer();
  // The stream's BatchStream in the current commit, created on first touch.
  Result<BatchStream*> touch(std::string_view stream);  // REQUIRES: commit_mu held
  // The version the stream index holds for a stream not in `streams`.
  Result<uint64_t> indexed_stream_version(std::string_view stream) const;
  Status recover_after_write_error();  // REQUIRES: commit_mu held

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
