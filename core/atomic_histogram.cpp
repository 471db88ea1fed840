#include "core/atomic_histogram.h"

#include <cstdio>

namespace orderly {

void AtomicHistogram::observe_micros(uint64_t micros) {
  // Bounds in whole microseconds, compared as integers: no float on the hot path.
  static constexpr auto kMicros = [] {
    std::array<uint64_t, kBounds.size()> m{};
    // The bounds are positive, so + 0.5 rounds to nearest; std::llround is
    // not constexpr in C++20.
    for (size_t i = 0; i < kBounds.size(); ++i)
      m[i] = static_cast<uint64_t>(kBounds[i] * 1e6 + 0.5);  // NOLINT(bugprone-incorrect-roundings)
    return m;
  }();
  size_t i = 0;
  while (i < kMicros.size() && micros > kMicros[i])
    ++i;
  hits_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(micros, std::memory_order_relaxed);
}

uint64_t AtomicHistogram::count() const {
  uint64_t n = 0;
  for (const auto& hits : hits_)
    n += hits.load(std::memory_order_relaxed);
  return n;
}

void AtomicHistogram::render(std::string& out, std::string_view name, std::string_view help) const {
  const std::string n(name);
  out += "# HELP " + n + " " + std::string(help) + "\n# TYPE " + n + " histogram\n";
  uint64_t cumulative = 0;
  char buf[32];
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += hits_[i].load(std::memory_order_relaxed);
    std::snprintf(buf, sizeof buf, "%g", kBounds[i]);
    out += n + "_bucket{le=\"" + buf + "\"} " + std::to_string(cumulative) + "\n";
  }
  cumulative += hits_[kBounds.size()].load(std::memory_order_relaxed);
  out += n + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(sum_micros()) / 1e6);
  out += n + "_sum " + buf + "\n";
  // The count is the +Inf bucket's, so a scrape is always consistent in itself.
  out += n + "_count " + std::to_string(cumulative) + "\n";
}

}  // namespace orderly
