#include "api/rest/metrics.h"

#include <cstdio>

namespace orderly::api::rest {

void Metrics::record(const std::string& route, const std::string& method, int status,
                     double seconds) {
  MutexLock lock(mu_);
  ++requests_[{route, method, status}];
  Histogram& h = latency_[{route, method}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i])
      ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::render(std::string& out) const {
  MutexLock lock(mu_);
  char buf[64];
  out += "# HELP orderly_http_requests_total HTTP requests by route, method and status.\n";
  out += "# TYPE orderly_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += "orderly_http_requests_total{route=\"";
    out += route;
    out += "\",method=\"";
    out += method;
    out += "\",status=\"";
    out += std::to_string(status);
    out += "\"} ";
    out += std::to_string(n);
    out += '\n';
  }
  out += "# HELP orderly_http_request_duration_seconds Time from request to response.\n";
  out += "# TYPE orderly_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    const std::string labels = "route=\"" + key.first + "\",method=\"" + key.second + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%g", kBuckets[i]);
      out += "orderly_http_request_duration_seconds_bucket{" + labels + ",le=\"" + buf + "\"} " +
             std::to_string(h.buckets[i]) + "\n";
    }
    out += "orderly_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    std::snprintf(buf, sizeof buf, "%.6f", h.sum);
    out += "orderly_http_request_duration_seconds_sum{" + labels + "} " + buf + "\n";
    out += "orderly_http_request_duration_seconds_count{" + labels + "} " +
           std::to_string(h.count) + "\n";
  }
}

}  // namespace orderly::api::rest
