// A real `orderly serve` for the tests that need one (and the benchmark
// harness): an admin created in its data directory beforehand, started as
// a child process listening on a free loopback port (it picks the port and
// prints it), stopped by its PID with SIGTERM (stop) or SIGKILL (kill), and
// started again on the same data directory as often as a test likes, each
// time on a fresh port. Every process it starts is stopped by the
// destructor.
//
// Thread safety: one thread drives it; port() may be read from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/session.h"
#include "tests/support/temp_dir.h"

namespace orderly::testing {

class OrderlyServer {
 public:
  static constexpr const char* kAdminEmail = "admin@example.com";
  static constexpr const char* kAdminPassword = "admin-password-1";

  // Meant for designated initializers, {.log_file = "serve.log"}: every
  // member has an initializer, so the ones left out draw no
  // -Wmissing-field-initializers.
  struct Options {
    // The `orderly` to run; "" for orderly_binary() (which honours
    // ORDERLY_TEST_BINARY).
    std::string binary{};
    // "" for data/ in dir(); a directory given here is kept afterwards.
    std::string data_dir{};
    // `orderly admin create-user` (admin, kAdminEmail, admin_password)
    // before the first start; off for a data directory that has one.
    bool create_admin = true;
    std::string admin_password = kAdminPassword;
    // Where the engine's log (its stderr, JSON lines) and that of every
    // `orderly` command run here is appended; a relative name is in dir().
    // "" leaves it on the test's own stderr.
    std::string log_file{};
    bool start = true;  // false: constructed with the admin created, not started
    std::chrono::seconds startup_timeout{120};
    // SIGKILL for the server when the thread that started it ends (a test
    // that crashes or is killed by its timeout leaves no server behind).
    // REQUIRES: start() is called from a thread that outlives the server.
    bool dies_with_test = false;
    // The destructor stops a running server with SIGKILL instead of SIGTERM.
    bool killed_at_end = false;
  };

  explicit OrderlyServer(std::vector<std::string> flags = {});
  OrderlyServer(std::vector<std::string> flags, Options options);
  ~OrderlyServer();
  OrderlyServer(const OrderlyServer&) = delete;
  OrderlyServer& operator=(const OrderlyServer&) = delete;

  // Starts `orderly serve` with the flags and returns once it printed where
  // it listens; throws (with the end of its log, when kept) when it does not
  // within the startup timeout.
  // REQUIRES: !running().
  void start();
  // SIGTERM, then what it still prints is kept and its exit status returned
  // (0 when it was not running).
  int stop();
  // SIGKILL, then reaped: its exit status, 128 + 9 unless it had already
  // exited on its own (0 when it was not running).
  int kill();
  bool running() const { return proc_ != nullptr; }
  // Later starts run on `data_dir` (a copy of the data directory elsewhere,
  // say). REQUIRES: !running().
  void use_data_dir(std::string data_dir) { data_ = std::move(data_dir); }
  // GET /ready answers 200 (projections caught up, pipeline running).
  bool wait_ready(std::chrono::seconds timeout) const;

  uint16_t port() const { return port_.load(); }
  // REQUIRES: running().
  pid_t pid() const { return proc_->pid(); }
  const TempDir& dir() const { return dir_; }  // scratch space, removed at the end
  const std::string& data_dir() const { return data_; }
  const std::string& admin_password_file() const { return admin_password_file_; }
  const std::string& log_file() const { return log_; }
  // The last `bytes` of the log file (every start appended); "" without one.
  std::string log_tail(size_t bytes = 4000) const;
  // Everything `admin create-user` and serve printed on stdout so far (what
  // serve prints after its listening line is read when it stops).
  const std::vector<std::string>& stdout_lines() const { return stdout_lines_; }

  HttpClient client() const { return HttpClient(port()); }
  Session login(const std::string& email, const std::string& password) const;
  Session admin() const { return login(kAdminEmail, admin_password_); }
  // Registers `name` (name@example.com, password "password-of-<name>").
  Session register_user(const std::string& name) const;

 private:
  // argv for an `orderly` command, its stderr sent to the log when kept.
  std::vector<std::string> command(std::vector<std::string> args) const;

  const std::vector<std::string> flags_;
  const Options options_;
  TempDir dir_;
  std::string binary_, data_, log_, admin_password_, admin_password_file_;
  std::unique_ptr<ChildProcess> proc_;
  std::atomic<uint16_t> port_{0};
  std::vector<std::string> stdout_lines_;
};

}  // namespace orderly::testing
