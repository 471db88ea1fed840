// Orderly over HTTP: a real `orderly serve` started by the harness on a
// free loopback port (fresh data directory, an admin created first), and
// the load through its API.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "benchmarks/bench/harness.h"
#include "benchmarks/bench/scenarios.h"
#include "tests/support/process.h"

namespace orderly::bench {

class ServeProcess {
 public:
  // Creates the admin (admin@example.com) in `data_dir` unless it has a log
  // already, then starts serve with `flags` and waits for its "listening"
  // line.
  static Result<std::unique_ptr<ServeProcess>> start(const std::string& binary,
                                                     const std::string& data_dir,
                                                     const std::vector<std::string>& flags,
                                                     bool create_admin = true);
  ~ServeProcess();
  uint16_t port() const { return port_; }
  int pid() const { return proc_->pid(); }
  // A fresh access token for the admin.
  Result<std::string> admin_token() const;
  // SIGTERM and wait: the exit status.
  int stop();

 private:
  std::unique_ptr<testing::ChildProcess> proc_;
  uint16_t port_ = 0;
};

// A scenario over HTTP: wrk with a Lua script, `order_share` percent of
// the requests posting orders as many users (place-order, hot-product:
// 100; mixed: 10) and the rest queries; then the invariants checked
// through the API.
Result<Measurement> orderly_http_load(const std::string& scenario, const RunOptions& o,
                                      const Workload& w, int order_share);

}  // namespace orderly::bench
