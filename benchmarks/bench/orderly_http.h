// Orderly over HTTP: a real `orderly serve` started by the harness on a
// free loopback port (fresh data directory, an admin created first), and
// the load through its API.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "benchmarks/bench/harness.h"
#include "benchmarks/bench/http_load.h"
#include "benchmarks/bench/scenarios.h"
#include "tests/support/orderly_server.h"

namespace orderly::bench {

// The tests' OrderlyServer (tests/support/orderly_server.h) with the
// harness's own choices: the binary given on its command line, a data
// directory it keeps, the log beside it (DATA_DIR.serve.log), ten minutes
// to start over a large log, and errors as values.
class ServeProcess {
 public:
  // Creates the admin (admin@example.com) in `data_dir` unless told it has
  // one already, then starts serve with `flags` and waits for its
  // "listening" line.
  static Result<std::unique_ptr<ServeProcess>> start(const std::string& binary,
                                                     const std::string& data_dir,
                                                     const std::vector<std::string>& flags,
                                                     bool create_admin = true);
  uint16_t port() const { return server_->port(); }
  int pid() const { return server_->pid(); }
  // A fresh access token for the admin.
  Result<std::string> admin_token() const;
  // SIGTERM and wait: the exit status.
  int stop() { return server_->stop(); }

 private:
  explicit ServeProcess(std::unique_ptr<testing::OrderlyServer> server)
      : server_(std::move(server)) {}
  std::unique_ptr<testing::OrderlyServer> server_;
};

// A real `orderly serve` as an HTTP target (http_load.h): a fresh data
// directory, the catalog imported with `orderly import-catalog`, rate and
// hold limits off, connection caps above the sweep's 1,024, users
// registered through the API (their access tokens for wrk). reset()
// starts it again on a fresh directory; check() reads the orders and the
// products back through the API.
Result<std::unique_ptr<HttpTarget>> start_orderly_http(const RunOptions& o, const Workload& w);

// The same shop replicated (issue 25), system `orderly-replicated`: each
// run starts three clustered `nats-server -js` on fresh stores and one
// `orderly serve --replicate ... --replicas 3` on a copy of the same
// single-node data directory, which it publishes into the empty stream
// before it leads. The leader alone takes the load: in production the
// followers run on their own machines, and on this one they would take
// the leader's cores. The three nats-servers' CPU counts as the server's.
Result<std::unique_ptr<HttpTarget>> start_orderly_replicated_http(const RunOptions& o,
                                                                  const Workload& w);

}  // namespace orderly::bench
