// A real `orderly serve` that is killed and started again on the same data
// directory: SIGKILL (a crash) or SIGTERM (a clean stop) by its PID. Each
// start listens on a fresh loopback port. Its log is appended to a file
// beside the data directory, so dozens of restarts leave the test's output
// readable; log_tail() shows the end of it when something fails.
//
// Thread safety: one thread drives it; port() may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace orderly::testing {

class RestartableServer {
 public:
  // Creates the data directory with an admin (admin@example.com,
  // kAdminPassword) through `orderly admin create-user`; does not start.
  explicit RestartableServer(std::vector<std::string> serve_flags);
  ~RestartableServer();

  static constexpr const char* kAdminEmail = "admin@example.com";
  static constexpr const char* kAdminPassword = "admin-password-1";

  // Starts `orderly serve` and returns once it printed where it listens
  // (throws when it does not within two minutes).
  void start();
  // GET /ready answers 200 (projections caught up, pipeline running).
  bool wait_ready(std::chrono::seconds timeout) const;
  // SIGKILL, then reaped: its exit status, 128 + 9 unless it had already
  // exited on its own (0 when it was not running).
  int kill();
  int stop();  // SIGTERM, then its exit status
  bool running() const { return proc_ != nullptr; }

  uint16_t port() const { return port_.load(); }
  const std::string& data_dir() const { return data_; }
  const std::string& work_dir() const { return dir_.path(); }
  // The last `bytes` of the server's log (every start appended).
  std::string log_tail(size_t bytes = 4000) const;

 private:
  TempDir dir_;
  std::string data_, log_;
  std::vector<std::string> flags_;
  std::unique_ptr<ChildProcess> proc_;
  std::atomic<uint16_t> port_{0};
};

}  // namespace orderly::testing
