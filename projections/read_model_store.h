// Where read models keep their rows: a RocksDB of its own in
// <data-dir>/readmodels (derived data, never mixed with the log), one
// column family per read model. A read model's changed rows and its
// checkpoint are written in one WriteBatch, so after a crash its rows are
// exactly those of the checkpointed position: no event applied twice or
// skipped.
//
// Thread safety: all methods are safe from any thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace rocksdb {
class WriteBatch;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace orderly::projections {

// Changed rows of one step: a value, or nullopt to delete the row.
using RowChanges = std::vector<std::pair<std::string, std::optional<std::string>>>;

class ReadModelStore {
 public:
  static Result<std::unique_ptr<ReadModelStore>> open(const std::string& dir);
  ~ReadModelStore();

  // The position the read model has applied (0 = nothing yet).
  Result<uint64_t> checkpoint(std::string_view model);
  // Rows and checkpoint, atomically.
  Status commit(std::string_view model, const RowChanges& rows, uint64_t checkpoint);
  // Every stored row of the model, in key order.
  Status scan(std::string_view model,
              const std::function<void(std::string_view, std::string_view)>& visit);
  // Drops all rows and the checkpoint of a model (a rebuild starts from 0).
  Status drop(std::string_view model);
  // Replaces every row of a model and sets its checkpoint: for a rebuilt
  // model. The rows come in chunks from `next_chunk` (an empty one ends
  // them; deletions in it are skipped) and are bulk-written; until the final
  // checkpoint is written the model is marked incomplete, so a crash
  // half-way is seen at the next start. Returns the rows written.
  Result<uint64_t> replace(std::string_view model, const std::function<RowChanges()>& next_chunk,
                           uint64_t checkpoint);

  // A checkpoint meaning "rows are being rewritten": never a state to load.
  static constexpr uint64_t kIncomplete = UINT64_MAX;

  struct Impl;

 private:
  explicit ReadModelStore(std::unique_ptr<Impl> impl);
  static void drop_all(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* cf);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::projections
