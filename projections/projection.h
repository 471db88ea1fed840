// A read model: folds events into in-memory state that queries read, and
// hands the runner the rows it changed so they persist with the checkpoint.
//
// Thread safety: apply/take_changes/load_row/clear run on the runner's thread
// under mutex() held exclusively; queries hold it shared.
#pragma once

#include <shared_mutex>
#include <string_view>

#include "core/envelope.h"
#include "core/status.h"
#include "projections/read_model_store.h"

namespace orderly::projections {

class Projection {
 public:
  virtual ~Projection() = default;
  virtual std::string_view name() const = 0;
  // Folds one event. Assigns only: the log has already decided.
  virtual void apply(const EventView& event) = 0;
  // The rows changed since the last call, with their current values
  // (nullopt: deleted), each key once.
  virtual RowChanges take_changes() = 0;
  // The same, at most about `limit` rows per call (each key once across the
  // calls; empty when none are left), so a rebuilt model's millions of rows
  // are written in bounded memory. Small models take them all at once.
  virtual RowChanges take_changes_chunk(size_t limit) {
    (void)limit;
    return take_changes();
  }
  // Restores one persisted row at start.
  virtual Status load_row(std::string_view key, std::string_view value) = 0;
  virtual void clear() = 0;

  std::shared_mutex& mutex() const { return mutex_; }

 private:
  mutable std::shared_mutex mutex_;
};

}  // namespace orderly::projections
