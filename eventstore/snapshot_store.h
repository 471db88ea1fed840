// Snapshots of state derived from the log (the read models, the writer's
// aggregate state): a RocksDB of its own in a directory of its own, never
// mixed with the log, one column family per snapshot name.
//
// A snapshot is one byte string plus the log position it reflects. save()
// replaces it atomically: after a crash at any point load() returns the old
// snapshot or the new one, whole, never a mix. Whoever loads a snapshot
// then folds the log after its position, so no event is applied twice or
// skipped.
//
// Thread safety: all methods are safe from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace orderly::eventstore {

struct Snapshot {
  uint64_t position = 0;  // the last log position folded into `bytes`
  std::string bytes;
};

class SnapshotStore {
 public:
  static Result<std::unique_ptr<SnapshotStore>> open(const std::string& dir);
  ~SnapshotStore();

  // The snapshot saved under `name` (nullopt: none).
  Result<std::optional<Snapshot>> load(std::string_view name);
  // Its position alone (0: none), without reading the bytes.
  Result<uint64_t> position(std::string_view name);
  // Replaces the snapshot of `name`, atomically (see above).
  Status save(std::string_view name, std::string_view bytes, uint64_t position);
  // Removes it: the next load() finds none.
  Status drop(std::string_view name);

  struct Impl;

 private:
  explicit SnapshotStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::eventstore
