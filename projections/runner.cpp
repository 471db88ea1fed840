#include "projections/runner.h"

#include <condition_variable>
#include <future>

#include "core/mutex.h"
#include "core/thread_name.h"
#include "eventstore/log_follower.h"
#include "projections/registry.h"

namespace orderly::projections {

struct ProjectionRunner::Model {
  Model(std::string n, std::shared_ptr<Projection> p)
      : name(std::move(n)), projection(std::move(p)) {}

  std::string name;
  mutable Mutex slot_mu;
  std::shared_ptr<Projection> projection GUARDED_BY(slot_mu);  // the instance queries read
  // Held while a chunk is applied and committed, and while a rebuilt
  // instance replaces the rows and is swapped in: one writer of the rows.
  Mutex step_mu;
  std::atomic<uint64_t> position{0};
  // Hands it the log's events from `position` on (eventstore/log_follower.h);
  // its failures (a read of the log) are retried, and shown in status().
  std::unique_ptr<eventstore::LogFollower> follower;
  // Guards the strings below; with cv, wakes read-your-writes waiters.
  mutable Mutex mu ACQUIRED_AFTER(step_mu);
  mutable std::condition_variable cv;
  std::string last_rebuild GUARDED_BY(mu);
  std::thread rebuild_thread;
  std::atomic<bool> rebuilding{false};
  std::atomic<uint64_t> rebuild_position{0};
  // Snapshots: the position of the last one saved, and the save in flight
  // (written on a thread of its own so the model keeps following). Used by
  // the follow thread, the rebuild's swap and stop(), under step_mu.
  std::atomic<uint64_t> snapshot_position{0};
  std::chrono::steady_clock::time_point snapshot_time GUARDED_BY(step_mu){};
  std::future<Status> saving GUARDED_BY(step_mu);
  std::string snapshot_error GUARDED_BY(mu);
  double load_seconds = 0;  // of its snapshot at start (written before the threads start)

  std::shared_ptr<Projection> current() const EXCLUDES(slot_mu) {
    MutexLock lock(slot_mu);
    return projection;
  }
};

namespace {

// A rebuilt model is swapped in once it is this close to the live one; the
// last stretch is folded while the live one pauses.
constexpr uint64_t kSwapGap = 4096;
constexpr uint64_t kRebuildChunk = 65536;

}  // namespace

ProjectionRunner::ProjectionRunner(eventstore::EventStore& log, ReadModelStore& rows,
                                   std::vector<std::shared_ptr<Projection>> models,
                                   RunnerOptions options)
    : log_(log), rows_(rows), options_(options), owned_(true) {
  for (auto& p : models) {
    std::string name(p->name());
    models_.push_back(std::make_unique<Model>(std::move(name), std::move(p)));
  }
}

ProjectionRunner::ProjectionRunner(eventstore::EventStore& log, ReadModelStore& rows,
                                   const std::vector<Projection*>& models, RunnerOptions options)
    : log_(log), rows_(rows), options_(options) {
  for (Projection* p : models) {
    models_.push_back(std::make_unique<Model>(
        std::string(p->name()),
        std::shared_ptr<Projection>(p, [](Projection*) {})));  // not ours to free
  }
}

ProjectionRunner::~ProjectionRunner() {
  (void)stop();
}

ProjectionRunner::Model* ProjectionRunner::find(std::string_view model) const {
  for (const auto& m : models_) {
    if (m->name == model)
      return m.get();
  }
  return nullptr;
}

Status ProjectionRunner::start() {
  if (running_.load())
    return Status::invalid_argument("the projection runner is already running");
  // Each model loads its own rows (its own column family, its own lock):
  // all at once, so a restart takes as long as the largest model, not the sum.
  std::vector<std::future<Status>> loads;
  for (auto& m : models_)
    loads.push_back(
        std::async(std::launch::async, [this, model = m.get()] { return load(*model); }));
  Status first_error;
  for (auto& l : loads) {
    Status st = l.get();
    if (first_error.is_ok())
      first_error = st;
  }
  ORDERLY_RETURN_IF_ERROR(first_error);
  stopping_.store(false);
  running_.store(true);
  for (auto& m : models_) {
    Model* model = m.get();
    // No durable checkpoint of the follower's own: a model's place is the
    // position its snapshot was saved at, with its state.
    eventstore::FollowerOptions o;
    o.start_after = model->position.load();
    o.max_chunk = options_.chunk;
    o.idle_wait = options_.idle_wait;
    model->follower = std::make_unique<eventstore::LogFollower>(
        log_, "projection-" + model->name,
        [this, model](const eventstore::LogSlice& slice) { return apply(*model, slice); }, o);
    ORDERLY_RETURN_IF_ERROR(model->follower->start());
  }
  return Status::ok();
}

Status ProjectionRunner::load(Model& m) {
  MutexLock step(m.step_mu);  // no follower runs yet: for the analysis
  Projection& p = *m.current();
  const auto t0 = std::chrono::steady_clock::now();
  auto position = load_model(rows_, p);
  if (!position && position.status().code() != ErrorCode::kCorruption)
    return position.status();
  if (!position || *position > log_.last_position()) {
    // Damaged or of an older format, or ahead of a log that lost its
    // unsynced tail (--sync none and a power cut): it describes events that
    // are not there. The model is cleared: fold the log from the start.
    MutexLock lock(m.mu);
    m.last_rebuild =
        position ? "snapshot ahead of the log: folded from the start"
                 : "snapshot unusable (" + position.status().message() + "): folded from the start";
    ORDERLY_RETURN_IF_ERROR(rows_.drop(p.name()));
    WriterLock model_lock(p.mutex());
    p.clear();
    position = uint64_t{0};
  }
  m.position.store(*position);
  m.snapshot_position.store(*position);
  m.snapshot_time = std::chrono::steady_clock::now();
  m.load_seconds = std::chrono::duration<double>(m.snapshot_time - t0).count();
  return Status::ok();
}

eventstore::Handled ProjectionRunner::apply(Model& m, const eventstore::LogSlice& slice) {
  // One writer of the model at a time: this, or a rebuild's swap.
  MutexLock step(m.step_mu);
  {
    Projection& p = *m.current();
    WriterLock lock(p.mutex());
    for (const EventView& ev : slice.events)
      p.apply(ev);
  }
  {
    MutexLock lock(m.mu);
    m.position.store(slice.last);
  }
  m.cv.notify_all();
  {
    ReaderLock listening(listener_mu_);
    if (applied_listener_)
      applied_listener_(m.name, slice.last);
  }
  snapshot_if_due(m);
  return {slice.last, Status::ok()};
}

void ProjectionRunner::snapshot_if_due(Model& m) {
  m.step_mu.assert_held();  // called by apply (Model is not known to runner.h's REQUIRES)
  const uint64_t at = m.position.load();
  if (at < m.snapshot_position.load() + options_.snapshot_every)
    return;
  if (std::chrono::steady_clock::now() - m.snapshot_time < options_.snapshot_interval)
    return;
  if (m.saving.valid()) {
    if (m.saving.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
      return;  // the last one is still being written
    (void)m.saving.get();
  }
  // Serialised here, under the model's shared lock (queries go on; the next
  // chunk waits), and written to disk on a thread of its own.
  auto bytes = std::make_shared<std::string>();
  {
    BinaryWriter out;
    const std::shared_ptr<Projection> model = m.current();  // no swap under step_mu
    ReaderLock lock(model->mutex());
    model->save(out);
    *bytes = out.take();
  }
  m.snapshot_time = std::chrono::steady_clock::now();
  m.saving = std::async(std::launch::async, [this, &m, bytes, at] {
    Status st = rows_.save(m.name, *bytes, at);
    MutexLock lock(m.mu);
    if (st.is_ok()) {
      m.snapshot_position.store(at);
      m.snapshot_error.clear();
    } else {
      // Not fatal: the older snapshot is intact; a restart folds more.
      m.snapshot_error = st.to_string();
    }
    return st;
  });
}

Status ProjectionRunner::snapshot_now(Model& m) {
  m.step_mu.assert_held();  // the caller holds it (stop)
  if (m.saving.valid())
    (void)m.saving.get();
  const uint64_t at = m.position.load();
  if (at == m.snapshot_position.load())
    return Status::ok();
  auto saved = save_model(rows_, *m.current(), at);
  MutexLock lock(m.mu);
  if (!saved) {
    m.snapshot_error = saved.status().to_string();
    return saved.status();
  }
  m.snapshot_position.store(at);
  m.snapshot_error.clear();
  return Status::ok();
}

Status ProjectionRunner::rebuild(std::string_view model) {
  Model* m = find(model);
  if (m == nullptr)
    return Status::not_found("no read model named " + std::string(model));
  if (!owned_ || !running_.load()) {
    return Status::invalid_argument("online rebuild needs a running runner that owns its models");
  }
  if (m->rebuilding.exchange(true))
    return Status::busy("a rebuild of " + std::string(model) + " is already running");
  if (m->rebuild_thread.joinable())
    m->rebuild_thread.join();  // the previous one, finished
  m->rebuild_position.store(0);
  m->rebuild_thread = std::thread([this, m] {
    name_this_thread("rebuild");
    rebuild_in_background(*m);
  });
  return Status::ok();
}

void ProjectionRunner::rebuild_in_background(Model& m) {
  auto finish = [&](std::string outcome) {
    MutexLock lock(m.mu);
    m.last_rebuild = std::move(outcome);
    m.rebuilding.store(false);
  };
  std::shared_ptr<Projection> fresh = make_read_model(m.name);
  if (!fresh)
    return finish("failed: no read model named " + m.name);
  uint64_t folded = 0;
  // `fresh` is seen by no query until the swap: its lock is only for form.
  auto fold_to = [&](uint64_t to) -> Status {
    Status st = fold_range(log_, *fresh, folded, to);
    if (st.is_ok())
      folded = std::max(folded, to);  // positions are gapless
    m.rebuild_position.store(folded);
    return st;
  };
  while (!stopping_.load()) {
    const uint64_t live = m.position.load();
    if (live > folded + kSwapGap) {
      if (Status st = fold_to(std::min(live, folded + kRebuildChunk)); !st.is_ok())
        return finish("failed: " + st.to_string());
      continue;
    }
    // Close enough: pause the live model, fold the last stretch, write the
    // rows and swap. Queries keep reading the old instance until the swap.
    MutexLock step(m.step_mu);
    const uint64_t target = m.position.load();
    if (Status st = fold_to(target); !st.is_ok())
      return finish("failed: " + st.to_string());
    // Saved before the swap: a restart loads the rebuilt state. A save in
    // flight of the live instance finishes first, so it cannot land after.
    if (m.saving.valid())
      (void)m.saving.get();
    if (auto saved = save_model(rows_, *fresh, target); !saved) {
      // The stored snapshot is still the live instance's older one (saves
      // are atomic): the live model goes on as it was.
      return finish("failed: " + saved.status().to_string());
    }
    {
      MutexLock lock(m.mu);
      m.snapshot_position.store(target);
      m.snapshot_error.clear();
    }
    m.snapshot_time = std::chrono::steady_clock::now();
    {
      MutexLock lock(m.slot_mu);
      m.projection = std::move(fresh);
    }
    return finish("done");
  }
  finish("failed: stopped before it caught up");
}

Status ProjectionRunner::stop() {
  stopping_.store(true);
  for (auto& m : models_) {
    if (m->follower)
      m->follower->request_stop();  // all at once: each may be waiting for new events
  }
  for (auto& m : models_) {
    if (m->rebuild_thread.joinable())
      m->rebuild_thread.join();
    if (m->follower)
      m->follower->stop();
  }
  if (!running_.exchange(false))
    return Status::ok();
  // Every model saved where it stopped, all at once (each its own lock), so
  // the next start folds nothing.
  std::vector<std::future<Status>> saves;
  // (A model's state always matches its position: slices are applied whole.)
  for (auto& m : models_) {
    saves.push_back(std::async(std::launch::async, [this, model = m.get()] {
      MutexLock step(model->step_mu);
      return snapshot_now(*model);
    }));
  }
  Status first_error;
  for (auto& s : saves) {
    Status st = s.get();
    if (first_error.is_ok())
      first_error = st;
  }
  return first_error;
}

void ProjectionRunner::on_applied(AppliedListener listener) {
  WriterLock lock(listener_mu_);
  applied_listener_ = std::move(listener);
}

bool ProjectionRunner::wait_for(std::string_view model, uint64_t position,
                                std::chrono::milliseconds timeout) const {
  Model* m = find(model);
  if (m == nullptr)
    return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(m->mu);
  while (m->position.load() < position) {
    if (!lock.wait_until(m->cv, deadline))
      return m->position.load() >= position;
  }
  return true;
}

uint64_t ProjectionRunner::position(std::string_view model) const {
  Model* m = find(model);
  return m == nullptr ? 0 : m->position.load();
}

std::shared_ptr<const Projection> ProjectionRunner::current(std::string_view model) const {
  Model* m = find(model);
  return m == nullptr ? nullptr : m->current();
}

std::vector<ModelStatus> ProjectionRunner::status() const {
  std::vector<ModelStatus> out;
  const uint64_t last = log_.last_position();
  const TimestampUs now = now_us();
  for (const auto& m : models_) {
    ModelStatus s;
    s.name = m->name;
    s.position = m->position.load();
    s.snapshot_position = m->snapshot_position.load();
    s.lag = last > s.position ? last - s.position : 0;
    if (s.lag > 0) {
      // The oldest event it has not applied: how stale its answers are.
      if (auto next = log_.read_event(s.position + 1); next.is_ok()) {
        s.lag_seconds = std::max(0.0, static_cast<double>(now - next->view().time_us()) / 1e6);
      }
    }
    const bool rebuilding = m->rebuilding.load();
    s.rebuild_position = rebuilding ? m->rebuild_position.load() : 0;
    // Failing now: it retries after a backoff, and says so until a read works.
    const Status error = m->follower ? m->follower->last_error() : Status::ok();
    MutexLock lock(m->mu);
    s.last_rebuild = m->last_rebuild;
    s.snapshot_error = m->snapshot_error;
    s.load_seconds = m->load_seconds;
    s.state = !error.is_ok() ? "failed: " + error.to_string()
              : rebuilding   ? "rebuilding"
              : s.lag == 0   ? "live"
                             : "catching_up";
    out.push_back(std::move(s));
  }
  return out;
}

Result<uint64_t> fold_from_scratch(const eventstore::EventStore& log,
                                   const std::vector<Projection*>& models,
                                   const std::function<void(uint64_t)>& progress) {
  // A lock per model, as many as given: the analysis cannot count them, so
  // each use says it is held (assert_held costs nothing at run time).
  std::vector<std::unique_lock<SharedMutex>> locks;
  const uint64_t expected = log.last_position();
  for (Projection* m : models) {
    locks.emplace_back(m->mutex());
    m->mutex().assert_held();
    m->clear();
    m->expect_events(expected);
  }
  uint64_t last = 0;
  Status st = log.scan({}, [&](const EventView& ev) {
    for (Projection* m : models) {
      m->mutex().assert_held();
      m->apply(ev);
    }
    last = ev.position();
    if (progress && ev.position() % 65536 == 0)
      progress(ev.position());
    return true;
  });
  for (Projection* m : models) {
    m->mutex().assert_held();
    m->finish_fold();
  }
  if (!st.is_ok())
    return st;
  return last;
}

Status fold_range(const eventstore::EventStore& log, Projection& model, uint64_t from,
                  uint64_t to) {
  if (to <= from)
    return Status::ok();
  eventstore::LogQuery q;
  q.from_position = from + 1;
  q.to_position = to;
  WriterLock lock(model.mutex());
  return log.scan(q, [&](const EventView& ev) {
    model.mutex().assert_held();  // scan calls back on this thread, under the lock above
    model.apply(ev);
    return true;
  });
}

Result<Rows> rebuild_rows(const eventstore::EventStore& log, Projection& model,
                          const std::function<void(uint64_t)>& progress) {
  auto folded = fold_from_scratch(log, {&model}, progress);
  if (!folded)
    return folded.status();
  ReaderLock lock(model.mutex());
  return model.rows();
}

Result<std::vector<uint64_t>> rebuild_into(const eventstore::EventStore& log,
                                           const std::vector<Projection*>& models,
                                           ReadModelStore& store,
                                           const std::function<void(uint64_t)>& progress) {
  auto folded = fold_from_scratch(log, models, progress);
  if (!folded)
    return folded.status();
  std::vector<uint64_t> written;
  for (Projection* m : models) {
    auto n = save_model(store, *m, *folded);
    if (!n)
      return n.status();
    written.push_back(*n);
  }
  return written;
}

}  // namespace orderly::projections
