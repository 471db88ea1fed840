// A flood of HTTP/1.1 requests from many concurrent keep-alive connections,
// driven by a few threads with non-blocking sockets and epoll, so that
// hundreds of connections cost the test little CPU and each answer's time
// is measured from its request to its last byte. Bounded in time: requests
// start for `duration`, then the ones in flight have `grace` to finish.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace orderly::testing {

struct FloodAnswer {
  int status = 0;  // 0: the connection broke before the answer was whole
  double ms = 0;
  bool retry_after = false;
  std::string code;  // problem+json "code", if any
};

struct FloodOptions {
  uint16_t port = 0;
  size_t connections = 300;
  int threads = 3;
  std::chrono::milliseconds duration{5000};
  std::chrono::milliseconds grace{15000};
  // The whole request (keep-alive) a connection sends, again and again.
  std::function<std::string(size_t connection)> request;
};

struct FloodResult {
  std::vector<FloodAnswer> answers;
  size_t connect_failures = 0;
  size_t unfinished = 0;  // still in flight when the grace ran out
};

FloodResult flood(const FloodOptions& options);

}  // namespace orderly::testing
