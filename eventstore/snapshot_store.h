// Snapshots of state derived from the log (the read models, the writer's
// aggregate state), in a directory of their own, never mixed with the log.
//
// A snapshot is one byte string plus the log position it reflects. save()
// replaces it atomically: after a crash at any point load() returns the old
// snapshot or the new one, whole, never a mix. Whoever loads a snapshot
// then folds the log after its position, so no event is applied twice or
// skipped.
//
// Each snapshot is a file (<name>.<generation>.snap) named by a head record
// in a small RocksDB beside it (position, generation, size, CRC-32C). load()
// maps the file instead of copying it: a restart reads gigabytes of
// snapshots, and every copy of them is page faults and memory traffic.
//
// Thread safety: all methods are safe from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace orderly::eventstore {

struct Snapshot {
  uint64_t position = 0;             // the last log position folded into `bytes`
  std::string_view bytes;            // valid as long as this Snapshot (or a copy) lives
  std::shared_ptr<const void> keep;  // the mapping `bytes` points into
};

class SnapshotStore {
 public:
  static Result<std::unique_ptr<SnapshotStore>> open(const std::string& dir);
  ~SnapshotStore();

  // The snapshot saved under `name` (nullopt: none).
  Result<std::optional<Snapshot>> load(std::string_view name);
  // Its position alone (0: none), without reading the bytes.
  Result<uint64_t> position(std::string_view name);
  // Replaces the snapshot of `name` (letters, digits, '_' and '-'),
  // atomically (see above).
  Status save(std::string_view name, std::string_view bytes, uint64_t position);
  // The same, for a snapshot given as consecutive pieces (written as they
  // are: no copy of hundreds of megabytes into one string first).
  Status save(std::string_view name, std::span<const std::string_view> pieces, uint64_t position);
  // Removes it: the next load() finds none.
  Status drop(std::string_view name);

  struct Impl;

 private:
  explicit SnapshotStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::eventstore
