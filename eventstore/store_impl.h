// Internal state of EventStore, shared by store*.cpp. Not a public header.
#pragma once

#include <flatbuffers/flatbuffers.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "eventstore/record.h"
#include "eventstore/rocksdb_handle.h"
#include "eventstore/store.h"

namespace orderly::eventstore {

// One append() caller waiting in the group-commit queue.
struct PendingAppend {
  const AppendRequest* request = nullptr;
  std::optional<Result<AppendResult>> result;
  bool done = false;
};

// What one group commit has done to a stream so far.
struct BatchStream {
  uint64_t version = 0;            // version after this batch's events so far
  uint64_t first_new_version = 0;  // 0 = no event for it yet (only checked)
  std::vector<IndexRun> runs;
};

struct EventStore::Impl {
  // --- constant after open ---
  std::string dir;
  StoreOptions options;
  RocksDbHandle rocks;

  // --- published state ---
  std::atomic<uint64_t> last_position{0};
  mutable std::mutex position_mu;
  mutable std::condition_variable position_cv;
  std::atomic<uint64_t> stat_commits{0}, stat_events{0}, stat_bytes{0}, stat_sync_micros{0};

  // --- group-commit queue, protected by queue_mu ---
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::vector<PendingAppend*> queue;
  bool leader_active = false;

  // --- writer state, protected by commit_mu ---
  std::mutex commit_mu;
  bool closed = false;
  bool needs_recovery = false;  // a Write failed: reload the tail before the next one
  std::unordered_map<std::string, uint64_t> version_cache;  // committed versions
  std::unordered_map<std::string, BatchStream> batch_streams;
  std::unordered_map<std::string, std::pair<uint64_t, uint32_t>> batch_commands;
  flatbuffers::FlatBufferBuilder fbb{1024};
  RecordBuilder record;
  rocksdb::WriteBatch write_batch;

  // REQUIRES: commit_mu held.
  std::vector<Result<AppendResult>> commit(std::span<const AppendRequest> requests);
  Result<uint64_t> committed_version(std::string_view stream);  // REQUIRES: commit_mu held
  Status recover_after_write_error();                            // REQUIRES: commit_mu held

  // The last position as stored on disk (last record's key + count - 1).
  Result<uint64_t> read_last_position() const;
  Result<uint64_t> read_stream_version(std::string_view stream) const;
  void publish_position(uint64_t position);
};

}  // namespace orderly::eventstore
