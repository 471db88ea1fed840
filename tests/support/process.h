// Child processes for tests: spawn with a pipe on stdout, read lines, kill
// by PID, reap. Every started process is stopped by the destructor.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace orderly::testing {

class ChildProcess {
 public:
  // argv[0] is the executable's path. stdout is captured; stderr inherited.
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The next complete line of stdout, or nullopt at EOF or on timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Everything complete read so far without blocking for more than `timeout`.
  std::vector<std::string> drain_lines(std::chrono::milliseconds timeout);
  void kill_hard();  // SIGKILL
  void terminate();  // SIGTERM: a graceful stop
  int wait();        // exit status (128+signal when killed)

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool reaped_ = false;
  int status_ = 0;
};

// Starts `argv`, waits (up to `startup`) for its first line, lets it run for
// `run_for` more, kills it with SIGKILL, and returns every complete line it
// printed: lines still in the pipe were written before the kill. `lines` is
// empty when the first line never came.
struct KilledRun {
  std::vector<std::string> lines;
  int exit_status = 0;
};
KilledRun run_then_kill(const std::vector<std::string>& argv, std::chrono::milliseconds run_for,
                        std::chrono::seconds startup = std::chrono::seconds(60));

// Runs a command to completion; returns its exit status and stdout.
struct RunResult {
  int exit_code;
  std::string output;
};
RunResult run_command(const std::vector<std::string>& argv);

// `argv` run through `sh -c 'exec ...'` with its stderr appended to `log`
// (a path without single quotes): the PID stays the program's own.
std::vector<std::string> with_stderr_to(const std::string& log, std::vector<std::string> argv);

// A process's resident memory (VmRSS) in KiB; 0 when it is gone.
long rss_kib(pid_t pid);

}  // namespace orderly::testing
