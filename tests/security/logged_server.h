// `orderly serve` with its log kept: stderr (where the engine logs, here as
// JSON lines) goes to a file the test reads afterwards, and stdout lines
// are kept too. Started through `sh -c 'exec ...'`, so the PID the test
// holds is the engine's own.
#pragma once

#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/orderly_binary.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace orderly::testing {

// argv run with stderr appended to `log` (a path without quotes).
inline std::vector<std::string> with_stderr_to(const std::string& log,
                                               std::vector<std::string> argv) {
  std::vector<std::string> out = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>>'" + log + "'"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

class LoggedServer {
 public:
  explicit LoggedServer(const std::string& admin_password) {
    data = dir.sub("data");
    log = dir.sub("server.log");
    std::ofstream(dir.sub("admin.pw")) << admin_password;
    auto made = run_command(with_stderr_to(
        log, {orderly_binary(), "admin", "create-user", "--data-dir", data, "--username", "admin",
              "--email", "admin@example.com", "--password-file", dir.sub("admin.pw")}));
    stdout_lines.push_back(made.output);
    if (made.exit_code != 0)
      throw std::runtime_error("admin create-user failed: " + made.output);
    proc = std::make_unique<ChildProcess>(
        with_stderr_to(log, {orderly_binary(), "serve", "--data-dir", data, "--http-address",
                             "127.0.0.1:0", "--log-format", "json"}));
    auto line = proc->read_line(std::chrono::seconds(120));
    const std::string marker = "http://127.0.0.1:";
    const size_t at = line ? line->find(marker) : std::string::npos;
    if (at == std::string::npos)
      throw std::runtime_error("orderly serve did not start");
    stdout_lines.push_back(*line);
    port = static_cast<uint16_t>(std::stoi(line->substr(at + marker.size())));
  }
  ~LoggedServer() { stop(); }

  // SIGTERM, wait, keep what it printed: the exit status.
  int stop() {
    if (!proc)
      return 0;
    proc->terminate();
    for (auto& l : proc->drain_lines(std::chrono::seconds(30)))
      stdout_lines.push_back(std::move(l));
    const int status = proc->wait();
    proc.reset();
    return status;
  }

  TempDir dir;
  std::string data, log;
  std::unique_ptr<ChildProcess> proc;
  uint16_t port = 0;
  std::vector<std::string> stdout_lines;
};

}  // namespace orderly::testing
