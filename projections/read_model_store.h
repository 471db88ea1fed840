// Where read models are kept: one snapshot each (eventstore/snapshot_store.h)
// in <data-dir>/readmodels, derived data never mixed with the log. A model's
// snapshot and the position it reflects are saved atomically, and a loaded
// model resumes by folding the log after that position: after a crash no
// event is applied twice or skipped.
#pragma once

#include <cstdint>

#include "eventstore/snapshot_store.h"
#include "projections/projection.h"

namespace orderly::projections {

using ReadModelStore = eventstore::SnapshotStore;

// Serialises `model` and saves it as of `position`, holding its lock shared
// until the snapshot is written (its record arrays are written in place).
// Returns the bytes saved.
Result<uint64_t> save_model(ReadModelStore& store, const Projection& model, uint64_t position);

// Replaces `model`'s state with its stored snapshot (holding its lock
// exclusively) and returns the snapshot's position; 0 with the model
// cleared when none is stored. A damaged snapshot, or one of an older
// format, is corruption; the model is then cleared.
Result<uint64_t> load_model(ReadModelStore& store, Projection& model);

}  // namespace orderly::projections
