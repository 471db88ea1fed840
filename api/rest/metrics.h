// Prometheus counters and histograms the API keeps itself (requests by
// route and status, latency); engine gauges are read when /metrics renders.
#pragma once

#include <array>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "core/mutex.h"

namespace orderly::api::rest {

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};
  void record(const std::string& route, const std::string& method, int status, double seconds)
      EXCLUDES(mu_);
  // Appends the request series in the text exposition format.
  void render(std::string& out) const EXCLUDES(mu_);

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable Mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_ GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, Histogram> latency_ GUARDED_BY(mu_);
};

}  // namespace orderly::api::rest
