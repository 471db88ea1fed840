// A read model: folds events into in-memory state that queries read.
//
// It is persisted as a snapshot (save/load) together with the position it
// has applied (ReadModelStore), and resumes by folding the log after that
// position. rows() renders the same state as readable rows, to compare two
// instances (`orderly rebuild --verify`, tests); it is not how it is stored.
//
// Thread safety: apply/load/clear (and the fold hints) run on the runner's
// thread under mutex() held exclusively; queries, rows() and save() hold it
// shared. Each model's state is GUARDED_BY(mutex_), so clang's analysis
// (ops/thread_safety.py) checks both: the runner locks once per chunk of
// events, and apply itself takes no lock.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/binary_codec.h"
#include "core/envelope.h"
#include "core/mutex.h"
#include "core/status.h"

namespace orderly::projections {

// A model's state as rows: key -> JSON value.
using Rows = std::vector<std::pair<std::string, std::string>>;

class Projection {
 public:
  virtual ~Projection() = default;
  virtual std::string_view name() const = 0;
  // Folds one event. Assigns only: the log has already decided.
  virtual void apply(const EventView& event) REQUIRES(mutex_) = 0;
  // Every row of the state, in no particular order (sort_rows to compare).
  virtual Rows rows() const REQUIRES_SHARED(mutex_) = 0;
  // The whole state, in the model's own binary format. The first thing
  // written is the model's format version, which load() checks.
  virtual void save(BinaryWriter& out) const REQUIRES_SHARED(mutex_) = 0;
  // Replaces the state with a saved one. A damaged snapshot, or one of
  // another format version, is refused (corruption) and leaves the model
  // cleared: the runner then folds it from the start of the log.
  virtual Status load(BinaryReader& in) REQUIRES(mutex_) = 0;
  virtual void clear() REQUIRES(mutex_) = 0;
  // A hint before a fold from scratch over about `events` events: models
  // holding a record per order size their arrays once (address space only,
  // untouched pages cost nothing) instead of growing them, which copies
  // everything and faults each page in twice.
  virtual void expect_events(uint64_t /*events*/) REQUIRES(mutex_) {}
  // Called when that fold has applied its last event: a model that put off
  // building derived indexes (nobody queries it meanwhile) builds them now.
  virtual void finish_fold() REQUIRES(mutex_) {}

  SharedMutex& mutex() const RETURN_CAPABILITY(mutex_) { return mutex_; }

 protected:
  // Guards the state of the model deriving from this (its fields are
  // GUARDED_BY(mutex_)); queries take ReaderLock.
  mutable SharedMutex mutex_;
};

// Rows in key order.
void sort_rows(Rows& rows);

}  // namespace orderly::projections
