#include "api/rest/position_waiter.h"

namespace orderly::api::rest {

PositionWaiter::PositionWaiter(const projections::ProjectionRunner& runner)
    : runner_(runner), thread_([this] { run(); }) {}

PositionWaiter::~PositionWaiter() {
  stop();
}

void PositionWaiter::stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void PositionWaiter::when_applied(std::string model, uint64_t position,
                                  std::chrono::milliseconds timeout,
                                  std::function<void(bool)> then) {
  if (runner_.position(model) >= position)
    return then(true);
  bool refused = false;
  std::function<void(bool)> answer_now;  // when refused: answered outside the lock, as every answer
  {
    MutexLock lock(mu_);
    refused = stopping_ || waits_.size() >= kMaxPending;
    if (refused) {
      answer_now = std::move(then);
    } else {
      waits_.push_back({std::move(model), position, std::chrono::steady_clock::now() + timeout,
                        std::move(then)});
    }
  }
  if (refused)
    return answer_now(false);
  cv_.notify_all();
}

size_t PositionWaiter::pending() const {
  MutexLock lock(mu_);
  return waits_.size();
}

void PositionWaiter::run() {
  while (true) {
    std::vector<std::pair<std::function<void(bool)>, bool>> ready;
    {
      MutexLock lock(mu_);
      while (!stopping_ && waits_.empty())
        lock.wait(cv_);
      if (stopping_)
        break;
      const auto now = std::chrono::steady_clock::now();
      std::erase_if(waits_, [&](Wait& w) {
        const bool applied = runner_.position(w.model) >= w.position;
        if (!applied && now < w.deadline)
          return false;
        ready.emplace_back(std::move(w.then), applied);
        return true;
      });
    }
    for (auto& [then, applied] : ready)
      then(applied);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // Whoever still waits is told no, so every request is answered (stopping_
  // is set: no wait is added meanwhile).
  std::vector<Wait> left;
  {
    MutexLock lock(mu_);
    left = std::move(waits_);
    waits_.clear();
  }
  for (auto& w : left)
    w.then(false);
}

}  // namespace orderly::api::rest
