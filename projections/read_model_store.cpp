#include "projections/read_model_store.h"

#include <algorithm>

namespace orderly::projections {

Result<uint64_t> save_model(ReadModelStore& store, const Projection& model, uint64_t position) {
  // The big record arrays are written from the model itself, under its
  // shared lock: queries go on, folding waits (the runner's periodic
  // snapshots copy instead, see ProjectionRunner).
  BinaryWriter out = BinaryWriter::borrowing();
  ReaderLock lock(model.mutex());
  model.save(out);
  ORDERLY_RETURN_IF_ERROR(store.save(model.name(), out.pieces(), position));
  return uint64_t{out.size()};
}

Result<uint64_t> load_model(ReadModelStore& store, Projection& model) {
  auto snapshot = store.load(model.name());
  WriterLock lock(model.mutex());
  model.clear();
  if (!snapshot)
    return snapshot.status();
  if (!*snapshot)
    return uint64_t{0};
  BinaryReader in((*snapshot)->bytes);
  ORDERLY_RETURN_IF_ERROR(model.load(in));
  return (*snapshot)->position;
}

void sort_rows(Rows& rows) {
  // By key only: keys are unique, and comparing values would move nothing.
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

}  // namespace orderly::projections
