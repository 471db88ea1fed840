// Runs read models: each loads its snapshot, then follows the log from the
// snapshot's position with a log follower of its own (its own thread; the
// events from the store's shared scan, eventstore/log_follower.h),
// applying events in order in short chunks. A model is snapshotted again now and then (every
// `snapshot_every` events, at most once per `snapshot_interval`) and when the runner stops, so a
// restart folds only what came after the last snapshot.
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

#include "core/mutex.h"
#include "eventstore/log_follower.h"
#include "eventstore/store.h"
#include "projections/projection.h"
#include "projections/read_model_store.h"

namespace orderly::projections {

struct RunnerOptions {
  uint64_t chunk = 256;  // events per lock and commit: queries never wait long
  std::chrono::milliseconds idle_wait{200};
  uint64_t snapshot_every = 500'000;
  std::chrono::milliseconds snapshot_interval{30'000};
};

struct ModelStatus {
  std::string name;
  uint64_t position = 0;           // applied (what queries see)
  uint64_t snapshot_position = 0;  // saved: a restart folds from here
  std::string snapshot_error;      // the last save's failure ("" when it worked)
  double load_seconds = 0;         // loading its snapshot at start
  uint64_t lag = 0;                // log positions behind
  double lag_seconds = 0;          // age of the oldest event not applied yet (0 when live)
  std::string state;               // "catching_up" | "live" | "rebuilding" | "failed: ..."
  uint64_t rebuild_position = 0;   // how far a running online rebuild has folded
  std::string last_rebuild;        // "" | "done" | "failed: ..."
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
                   const std::vector<Projection*>& models, RunnerOptions options = {});
  ~ProjectionRunner();

  // Loads every model's snapshot, then starts following. A snapshot that
  // cannot be used (damaged, another format, ahead of the log) is dropped
  // and that model folds the log from the start.
  Status start();
  // Stops following and saves every model that moved since its snapshot.
  Status stop();

  // Called with a model's name and position each time it has applied more
  // of the log, on the thread that applied it (keep it short: it holds up
  // that model). One listener at a time, set (or cleared with nullptr) at
  // any time; setting waits for a call in flight, so a listener cleared is
  // never called again. The listener must not call on_applied itself.
  using AppliedListener = std::function<void(std::string_view model, uint64_t position)>;
  void on_applied(AppliedListener listener) EXCLUDES(listener_mu_);

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
  Status load(Model& m);  // its snapshot, at start
  eventstore::Handled apply(Model& m, const eventstore::LogSlice& slice);
  void snapshot_if_due(Model& m);
  Status snapshot_now(Model& m);  // waits for the one in flight, then saves
  void rebuild_in_background(Model& m);

  std::vector<std::unique_ptr<Model>> models_;
  mutable SharedMutex listener_mu_;
  AppliedListener applied_listener_ GUARDED_BY(listener_mu_);
  bool owned_ = false;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
};

// Clears the models and folds the whole log into them in one pass (each
// event read and verified once); returns the last position folded.
// `progress(position)` is called now and then while folding.
Result<uint64_t> fold_from_scratch(const eventstore::EventStore& log,
                                   const std::vector<Projection*>& models,
                                   const std::function<void(uint64_t)>& progress = {});

// Folds the log after `from` up to `to` into `model` (resuming a loaded one).
Status fold_range(const eventstore::EventStore& log, Projection& model, uint64_t from, uint64_t to);

// Folds the whole log into `model` from scratch and returns every row it
// holds afterwards, in no particular order (sort_rows to compare).
Result<Rows> rebuild_rows(const eventstore::EventStore& log, Projection& model,
                          const std::function<void(uint64_t)>& progress = {});

// What `orderly rebuild` does: the models folded from the whole log in one
// pass, then each one saved to `store` as of the log's end. Returns the
// snapshot bytes per model, in the order given.
Result<std::vector<uint64_t>> rebuild_into(const eventstore::EventStore& log,
                                           const std::vector<Projection*>& models,
                                           ReadModelStore& store,
                                           const std::function<void(uint64_t)>& progress = {});

}  // namespace orderly::projections
