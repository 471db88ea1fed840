#include "tests/reliability/restartable_server.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/orderly_binary.h"

namespace orderly::testing {

RestartableServer::RestartableServer(std::vector<std::string> serve_flags)
    : data_(dir_.sub("data")), log_(dir_.sub("serve.log")), flags_(std::move(serve_flags)) {
  const std::string password_file = dir_.sub("admin.pw");
  std::ofstream(password_file) << kAdminPassword;
  auto made =
      run_command({orderly_binary(), "admin", "create-user", "--data-dir", data_, "--username",
                   "admin", "--email", kAdminEmail, "--password-file", password_file});
  if (made.exit_code != 0)
    throw std::runtime_error("admin create-user failed: " + made.output);
}

RestartableServer::~RestartableServer() {
  kill();
}

void RestartableServer::start() {
  // `sh -c 'exec setpriv --pdeathsig KILL "$@" 2>>log'`: the same PID as
  // the server, its stderr (the log) appended to a file, its stdout (the
  // listening line) ours, and SIGKILL for it if the test dies first.
  const std::string shell = "exec setpriv --pdeathsig KILL \"$@\" 2>>'" + log_ + "'";
  std::vector<std::string> argv = {"/bin/sh",        "-c",          shell,          "sh",
                                   orderly_binary(), "serve",       "--data-dir",   data_,
                                   "--http-address", "127.0.0.1:0", "--log-format", "json"};
  argv.insert(argv.end(), flags_.begin(), flags_.end());
  proc_ = std::make_unique<ChildProcess>(argv);
  const auto line = proc_->read_line(std::chrono::seconds(120));
  const std::string marker = "http://127.0.0.1:";
  const size_t at = line ? line->find(marker) : std::string::npos;
  if (at == std::string::npos) {
    kill();
    throw std::runtime_error("orderly serve did not start; its log ends with:\n" + log_tail());
  }
  port_.store(static_cast<uint16_t>(std::stoi(line->substr(at + marker.size()))));
}

bool RestartableServer::wait_ready(std::chrono::seconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  HttpClient client(port());
  while (std::chrono::steady_clock::now() < deadline) {
    if (client.request("GET", "/ready").status == 200)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int RestartableServer::kill() {
  if (!proc_)
    return 0;
  proc_->kill_hard();
  const int status = proc_->wait();
  proc_.reset();
  return status;
}

int RestartableServer::stop() {
  if (!proc_)
    return 0;
  proc_->terminate();
  const int status = proc_->wait();
  proc_.reset();
  return status;
}

std::string RestartableServer::log_tail(size_t bytes) const {
  std::ifstream in(log_, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}

}  // namespace orderly::testing
