// Runs read models: each follows the log from its checkpoint on its own
// thread, applies events in order in short chunks, and commits the chunk's
// changed rows with the new checkpoint in one WriteBatch.
//
// Thread safety: every method from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/store.h"
#include "projections/projection.h"
#include "projections/read_model_store.h"

namespace orderly::projections {

struct RunnerOptions {
  uint64_t chunk = 256;  // events per lock and commit: queries never wait long
  std::chrono::milliseconds idle_wait{200};
};

struct ModelStatus {
  std::string name;
  uint64_t position = 0;   // applied and committed
  uint64_t lag = 0;        // log positions behind
  double lag_seconds = 0;  // age of the oldest event not applied yet (0 when live)
  std::string state;       // "catching_up" | "live" | "failed: ..."
};

class ProjectionRunner {
 public:
  ProjectionRunner(eventstore::EventStore& log, ReadModelStore& rows,
                   std::vector<Projection*> models, RunnerOptions options = {});
  ~ProjectionRunner();

  // Loads every model's rows and checkpoint, then starts following.
  Status start();
  void stop();

  // Waits until `model` has applied `position` (read-your-writes).
  bool wait_for(std::string_view model, uint64_t position, std::chrono::milliseconds timeout) const;
  uint64_t position(std::string_view model) const;
  std::vector<ModelStatus> status() const;

  struct Model;

 private:
  eventstore::EventStore& log_;
  ReadModelStore& rows_;
  RunnerOptions options_;
  std::vector<std::unique_ptr<Model>> models_;
  std::atomic<bool> stopping_{false};
};

// Folds the whole log into `model` from scratch (offline rebuild), returning
// every row it holds afterwards, in no particular order (sort_rows for
// comparing with a stored model).
// `progress(position)` is called now and then while folding.
Result<RowChanges> rebuild_rows(const eventstore::EventStore& log, Projection& model,
                                const std::function<void(uint64_t)>& progress = {});

// The same for several models in one pass over the log: rows per model, in
// the order given.
Result<std::vector<RowChanges>> rebuild_rows(const eventstore::EventStore& log,
                                             const std::vector<Projection*>& models,
                                             const std::function<void(uint64_t)>& progress = {});

// Rows in key order, as ReadModelStore::scan visits them.
void sort_rows(RowChanges& rows);

}  // namespace orderly::projections
