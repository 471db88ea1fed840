// The gate between the kill loop and its load: which server is up (its port
// and generation), and a pause the loop holds while the server is down and
// while it audits. Clients pass it before every operation.
//
// Thread safety: every method from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

namespace orderly::testing {

class LoadGate {
 public:
  struct Endpoint {
    uint16_t port = 0;
    uint64_t generation = 0;  // 1 for the first server, +1 at each restart
  };

  // Client side: waits while paused and until a server of at least
  // `min_generation` is up (after a request found the server gone, pass its
  // generation + 1). nullopt once finished.
  std::optional<Endpoint> enter(uint64_t min_generation = 0) {
    std::unique_lock lock(mu_);
    ++parked_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return finished_ || (!paused_ && generation_ >= min_generation); });
    --parked_;
    if (finished_)
      return std::nullopt;
    return Endpoint{port_, generation_};
  }

  // Loop side. New operations wait from now on.
  void pause() {
    std::lock_guard lock(mu_);
    paused_ = true;
  }
  // Every client waits at the gate (its last operation has ended).
  bool wait_parked(size_t clients, std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return parked_ >= clients; });
  }
  // A server is up at `port`: clients go on.
  void resume(uint16_t port) {
    std::lock_guard lock(mu_);
    port_ = port;
    ++generation_;
    paused_ = false;
    cv_.notify_all();
  }
  void finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool paused_ = true;
  bool finished_ = false;
  uint16_t port_ = 0;
  uint64_t generation_ = 0;
  size_t parked_ = 0;
};

}  // namespace orderly::testing
