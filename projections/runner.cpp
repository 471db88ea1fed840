#include "projections/runner.h"

#include <condition_variable>
#include <mutex>

#include "projections/registry.h"

namespace orderly::projections {

struct ProjectionRunner::Model {
  Projection* projection = nullptr;
  std::atomic<uint64_t> position{0};
  std::thread thread;
  mutable std::mutex mu;  // guards `failure`; with cv, wakes read-your-writes waiters
  mutable std::condition_variable cv;
  std::string failure;
};

ProjectionRunner::ProjectionRunner(eventstore::EventStore& log, ReadModelStore& rows,
                                   std::vector<Projection*> models, RunnerOptions options)
    : log_(log), rows_(rows), options_(options) {
  for (Projection* p : models) {
    auto m = std::make_unique<Model>();
    m->projection = p;
    models_.push_back(std::move(m));
  }
}

ProjectionRunner::~ProjectionRunner() {
  stop();
}

Status ProjectionRunner::start() {
  for (const auto& m : models_) {
    if (m->thread.joinable())
      return Status::invalid_argument("the projection runner is already running");
  }
  for (auto& m : models_) {
    Projection& p = *m->projection;
    auto checkpoint = rows_.checkpoint(p.name());
    if (!checkpoint)
      return checkpoint.status();
    if (*checkpoint == kIncompleteCheckpoint || *checkpoint > log_.last_position()) {
      // An interrupted rebuild left part of its rows, or the model is ahead of
      // a log that lost its unsynced tail (--sync none and a power cut): its
      // rows describe events that are gone. Start over from 0.
      ORDERLY_RETURN_IF_ERROR(rows_.drop(p.name()));
      checkpoint = uint64_t{0};
    }
    {
      std::unique_lock lock(p.mutex());
      p.clear();
      Status bad;
      ORDERLY_RETURN_IF_ERROR(rows_.scan(p.name(), [&](std::string_view k, std::string_view v) {
        if (bad.is_ok())
          bad = p.load_row(k, v);
      }));
      ORDERLY_RETURN_IF_ERROR(bad);
      (void)p.take_changes();  // loading is not a change
    }
    m->position.store(*checkpoint);
  }
  stopping_.store(false);
  for (auto& m : models_) {
    Model* model = m.get();
    model->thread = std::thread([this, model] {
      Projection& p = *model->projection;
      while (!stopping_.load()) {
        const uint64_t next = model->position.load() + 1;
        const uint64_t last = log_.last_position();
        if (next > last) {
          log_.wait_for_position(next, options_.idle_wait);
          continue;
        }
        eventstore::LogQuery q;
        q.from_position = next;
        q.to_position = std::min(last, next + options_.chunk - 1);
        uint64_t applied = model->position.load();
        Status st;
        {
          std::unique_lock lock(p.mutex());
          st = log_.scan(q, [&](const EventView& ev) {
            p.apply(ev);
            applied = ev.position();
            return true;
          });
        }
        RowChanges changes;
        {
          std::unique_lock lock(p.mutex());
          changes = p.take_changes();
        }
        if (st.is_ok())
          st = rows_.commit(p.name(), changes, applied);
        if (!st.is_ok()) {
          std::lock_guard lock(model->mu);
          model->failure = st.to_string();
          break;  // its state is ahead of its rows: a restart reloads them
        }
        {
          std::lock_guard lock(model->mu);
          model->position.store(applied);
        }
        model->cv.notify_all();
      }
    });
  }
  return Status::ok();
}

void ProjectionRunner::stop() {
  stopping_.store(true);
  for (auto& m : models_) {
    if (m->thread.joinable())
      m->thread.join();
  }
}

bool ProjectionRunner::wait_for(std::string_view model, uint64_t position,
                                std::chrono::milliseconds timeout) const {
  for (const auto& m : models_) {
    if (m->projection->name() != model)
      continue;
    std::unique_lock lock(m->mu);
    return m->cv.wait_for(lock, timeout, [&] { return m->position.load() >= position; });
  }
  return false;
}

uint64_t ProjectionRunner::position(std::string_view model) const {
  for (const auto& m : models_) {
    if (m->projection->name() == model)
      return m->position.load();
  }
  return 0;
}

std::vector<ModelStatus> ProjectionRunner::status() const {
  std::vector<ModelStatus> out;
  const uint64_t last = log_.last_position();
  const TimestampUs now = now_us();
  for (const auto& m : models_) {
    ModelStatus s;
    s.name = std::string(m->projection->name());
    s.position = m->position.load();
    s.lag = last > s.position ? last - s.position : 0;
    if (s.lag > 0) {
      // The oldest event it has not applied: how stale its answers are.
      if (auto next = log_.read_event(s.position + 1); next.is_ok()) {
        s.lag_seconds = std::max(0.0, static_cast<double>(now - next->view().time_us()) / 1e6);
      }
    }
    std::lock_guard lock(m->mu);
    s.state = !m->failure.empty() ? "failed: " + m->failure : s.lag == 0 ? "live" : "catching_up";
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<RowChanges>> rebuild_rows(const eventstore::EventStore& log,
                                             const std::vector<Projection*>& models,
                                             const std::function<void(uint64_t)>& progress) {
  // One scan feeds every model: each event is read and verified once.
  std::vector<std::unique_lock<std::shared_mutex>> locks;
  for (Projection* m : models) {
    locks.emplace_back(m->mutex());
    m->clear();
  }
  Status st = log.scan({}, [&](const EventView& ev) {
    for (Projection* m : models)
      m->apply(ev);
    if (progress && ev.position() % 65536 == 0)
      progress(ev.position());
    return true;
  });
  if (!st.is_ok())
    return st;
  std::vector<RowChanges> out;
  for (Projection* m : models) {
    RowChanges rows = m->take_changes();
    std::erase_if(rows, [](const auto& r) { return !r.second.has_value(); });
    out.push_back(std::move(rows));
  }
  return out;
}

Result<RowChanges> rebuild_rows(const eventstore::EventStore& log, Projection& model,
                                const std::function<void(uint64_t)>& progress) {
  auto rows = rebuild_rows(log, std::vector<Projection*>{&model}, progress);
  if (!rows)
    return rows.status();
  return std::move(rows->front());
}

void sort_rows(RowChanges& rows) {
  // By key only: keys are unique, and comparing values would move nothing.
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

}  // namespace orderly::projections
