// AtomicHistogram: a Prometheus histogram of durations with fixed buckets,
// observed from hot paths (the writer's replies, the store's fsync) without
// a lock: one relaxed atomic increment for the bucket hit and one for the
// sum (kept in whole microseconds, so it stays an integer); the count is
// the buckets' total.
// Rendered in the text exposition format for /metrics.
//
// Thread safety: observe() and render() from any thread. A render that
// races an observe may see the bucket before the count (Prometheus
// tolerates such a scrape; rates over time stay right).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace orderly {

class AtomicHistogram {
 public:
  // Upper bounds in seconds, from 100 µs to 10 s: an fsync is about 1 ms
  // on a good disk, a command's whole stay in the pipeline a few.
  static constexpr std::array<double, 16> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                     0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                     1,      2.5,     5,      10};

  void observe_micros(uint64_t micros);
  void observe_since(std::chrono::steady_clock::time_point start) {
    observe_micros(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::steady_clock::now() - start)
                                             .count()));
  }

  uint64_t count() const;
  uint64_t sum_micros() const { return sum_micros_.load(std::memory_order_relaxed); }

  // Appends `# HELP`, `# TYPE name histogram` and the series name_bucket{le}
  // (cumulative), name_sum (seconds) and name_count.
  void render(std::string& out, std::string_view name, std::string_view help) const;

 private:
  // Per bucket, not cumulative: an observation touches one counter; render
  // adds them up.
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> hits_{};  // the last one: above all
  std::atomic<uint64_t> sum_micros_{0};
};

}  // namespace orderly
