#include "api/rest/position_waiter.h"

#include "core/thread_name.h"

namespace orderly::api::rest {

namespace {
// How often the deadline thread looks: a wait answered 202 this much after
// its deadline at worst (the deadlines are seconds).
constexpr std::chrono::milliseconds kDeadlineTick{20};
}  // namespace

PositionWaiter::PositionWaiter(projections::ProjectionRunner& runner)
    : runner_(runner), thread_([this] {
        name_this_thread("ryw-deadlines");
        run_deadlines();
      }) {
  runner.on_applied(
      [this](std::string_view model, uint64_t position) { applied(model, position); });
}

PositionWaiter::~PositionWaiter() {
  stop();
}

void PositionWaiter::stop() {
  runner_.on_applied(nullptr);  // returns once no news is being given to this waiter
  std::map<std::string, std::vector<Wait>, std::less<>> left;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    left.swap(waits_);
    pending_ = 0;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
  // Whoever still waits is told no, so every request is answered.
  for (auto& [model, waits] : left) {
    for (Wait& w : waits)
      w.then(false);
  }
}

void PositionWaiter::when_applied(const std::string& model, uint64_t position,
                                  std::chrono::milliseconds timeout,
                                  std::function<void(bool)> then) {
  if (runner_.position(model) >= position)
    return then(true);
  bool applied = false, refused = false;
  {
    MutexLock lock(mu_);
    // Looked at again under the lock: a model that applied the position
    // between the look above and here announced it before this wait was
    // added (applied() takes the lock after the position is stored).
    applied = runner_.position(model) >= position;
    refused = !applied && (stopping_ || pending_ >= kMaxPending);
    if (!applied && !refused) {
      waits_[model].push_back(
          {position, std::chrono::steady_clock::now() + timeout, std::move(then)});
      ++pending_;
      return;
    }
  }
  then(applied);  // answered outside the lock, as every answer
}

void PositionWaiter::applied(std::string_view model, uint64_t position) {
  std::vector<std::function<void(bool)>> ready;
  {
    MutexLock lock(mu_);
    auto it = waits_.find(model);
    if (it == waits_.end())
      return;
    std::erase_if(it->second, [&](Wait& w) {
      if (w.position > position)
        return false;
      ready.push_back(std::move(w.then));
      return true;
    });
    pending_ -= ready.size();
  }
  for (auto& then : ready)
    then(true);
}

size_t PositionWaiter::pending() const {
  MutexLock lock(mu_);
  return pending_;
}

void PositionWaiter::run_deadlines() {
  while (true) {
    std::vector<std::pair<std::function<void(bool)>, bool>> late;
    {
      MutexLock lock(mu_);
      if (stopping_)
        return;
      lock.wait_until(cv_, std::chrono::steady_clock::now() + kDeadlineTick);
      if (stopping_)
        return;
      const auto now = std::chrono::steady_clock::now();
      for (auto& entry : waits_) {
        const std::string& model = entry.first;
        std::erase_if(entry.second, [&](Wait& w) {
          if (now < w.deadline)
            return false;
          // Applied at the last moment (its news on its way): still a yes.
          late.emplace_back(std::move(w.then), runner_.position(model) >= w.position);
          return true;
        });
      }
      pending_ -= late.size();
    }
    for (auto& [then, applied] : late)
      then(applied);
  }
}

}  // namespace orderly::api::rest
