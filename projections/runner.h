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
  uint64_t position = 0;          // applied and committed
  uint64_t lag = 0;               // log positions behind
  double lag_seconds = 0;         // age of the oldest event not applied yet (0 when live)
  std::string state;              // "catching_up" | "live" | "rebuilding" | "failed: ..."
  uint64_t rebuild_position = 0;  // how far a running online rebuild has folded
  std::string last_rebuild;       // "" | "done" | "failed: ..."
};

class ProjectionRunner {
 public:
  // The runner owns the models; queries reach them through current(), which
  // an online rebuild swaps.
  ProjectionRunner(eventstore::EventStore& log, ReadModelStore& rows,
                   std::vector<std::shared_ptr<Projection>> models, RunnerOptions options = {});
  // Models owned by the caller (tests, tools): they are never swapped out
  // from under a caller that keeps a plain pointer, so rebuild() refuses.
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

  // The model queries should read now (null for an unknown name). Holding
  // the pointer keeps that instance alive across a swap.
  std::shared_ptr<const Projection> current(std::string_view model) const;
  template <typename T>
  std::shared_ptr<const T> current_as(std::string_view model) const {
    return std::dynamic_pointer_cast<const T>(current(model));
  }

  // Online rebuild: folds the log into a fresh instance of `model` on a
  // thread of its own while the live one keeps following and answering;
  // when it has caught up, its rows replace the stored ones and it is
  // swapped in atomically. Returns at once (not_found: no such model;
  // busy: a rebuild of it is running; invalid_argument: not running or
  // caller-owned models).
  Status rebuild(std::string_view model);

  struct Model;

 private:
  eventstore::EventStore& log_;
  ReadModelStore& rows_;
  RunnerOptions options_;
  Model* find(std::string_view model) const;
  Status load(Model& m);  // its rows and checkpoint, at start
  void follow(Model& m);
  void rebuild_in_background(Model& m);

  std::vector<std::unique_ptr<Model>> models_;
  bool owned_ = false;
  std::atomic<bool> running_{false};
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

// What `orderly rebuild` does: the models folded from the whole log in one
// pass, then each one's rows written to `store` in chunks of bounded size
// (ReadModelStore::replace), so memory holds the models, not their rows as
// well. Returns the rows written per model, in the order given.
Result<std::vector<uint64_t>> rebuild_into(const eventstore::EventStore& log,
                                           const std::vector<Projection*>& models,
                                           ReadModelStore& store,
                                           const std::function<void(uint64_t)>& progress = {});

// Rows per chunk when a rebuilt model is written.
inline constexpr size_t kRebuildRowsPerChunk = 50'000;

// Rows in key order, as ReadModelStore::scan visits them.
void sort_rows(RowChanges& rows);

}  // namespace orderly::projections
