// Polling for a condition another thread or process makes true.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace orderly::testing {

// Asks `done` every `every` until it holds or `timeout` has passed; its last
// answer.
inline bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds every) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done())
      return true;
    std::this_thread::sleep_for(every);
  }
  return done();
}

}  // namespace orderly::testing
