// A WebSocket hub subscriber for benchmarks: records when each pushed
// message (by its log position) reached it, as a connection would write it.
#pragma once

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/ws_hub.h"

namespace orderly::bench {

class RecordingSink final : public api::WsSink {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  void send(std::string text) override {
    const auto at = std::chrono::steady_clock::now();
    const size_t p = text.find("\"position\":");
    if (p == std::string::npos)
      return;
    const uint64_t position = std::strtoull(text.c_str() + p + 11, nullptr, 10);
    std::lock_guard lock(mu);
    arrived[position] = at;
  }
  void close(uint16_t, std::string) override {}
  size_t count() {
    std::lock_guard lock(mu);
    return arrived.size();
  }
  std::mutex mu;
  std::unordered_map<uint64_t, TimePoint> arrived;  // guarded by mu
};

}  // namespace orderly::bench
