// A RocksDB file system that fails on demand, for fault tests: fsyncs of the
// WAL, or appends to it (as a full disk would), or reads of table files (a
// disk that returns EIO). Everything else passes through to the real file
// system.
#pragma once

#include <atomic>
#include <memory>

namespace rocksdb {
class Env;
}

namespace orderly::testing {

struct FaultSwitches {
  std::atomic<bool> fail_wal_sync{false};
  std::atomic<bool> fail_wal_append{false};  // ENOSPC-like: "No space left on device"
  // Reads of .sst files: what was flushed (at close) cannot be read back.
  std::atomic<bool> fail_table_reads{false};
  std::atomic<int> failed_syncs{0};
  std::atomic<int> failed_appends{0};
  std::atomic<int> failed_reads{0};
};

// An Env for StoreOptions::env whose faults `switches` control. REQUIRES:
// `switches` outlives the Env.
std::shared_ptr<rocksdb::Env> make_faulty_env(FaultSwitches& switches);

}  // namespace orderly::testing
