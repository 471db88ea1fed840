#include "api/rest/position_waiter.h"

namespace orderly::api::rest {

PositionWaiter::PositionWaiter(const projections::ProjectionRunner& runner)
    : runner_(runner), thread_([this] { run(); }) {}

PositionWaiter::~PositionWaiter() {
  stop();
}

void PositionWaiter::stop() {
  {
    std::lock_guard lock(mu_);
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
  {
    std::unique_lock lock(mu_);
    if (stopping_ || waits_.size() >= kMaxPending) {
      lock.unlock();
      return then(false);
    }
    waits_.push_back(
        {std::move(model), position, std::chrono::steady_clock::now() + timeout, std::move(then)});
  }
  cv_.notify_all();
}

size_t PositionWaiter::pending() const {
  std::lock_guard lock(mu_);
  return waits_.size();
}

void PositionWaiter::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !waits_.empty(); });
    if (stopping_)
      break;
    std::vector<std::pair<std::function<void(bool)>, bool>> ready;
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(waits_, [&](Wait& w) {
      const bool applied = runner_.position(w.model) >= w.position;
      if (!applied && now < w.deadline)
        return false;
      ready.emplace_back(std::move(w.then), applied);
      return true;
    });
    lock.unlock();
    for (auto& [then, applied] : ready)
      then(applied);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    lock.lock();
  }
  // Whoever still waits is told no, so every request is answered.
  auto left = std::move(waits_);
  waits_.clear();
  lock.unlock();
  for (auto& w : left)
    w.then(false);
}

}  // namespace orderly::api::rest
