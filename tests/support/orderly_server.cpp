#include "tests/support/orderly_server.h"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/orderly_binary.h"

namespace orderly::testing {

namespace json = boost::json;

OrderlyServer::OrderlyServer(std::vector<std::string> flags)
    : OrderlyServer(std::move(flags), Options{}) {}

OrderlyServer::OrderlyServer(std::vector<std::string> flags, Options options)
    : flags_(std::move(flags)), options_(std::move(options)) {
  binary_ = options_.binary.empty() ? orderly_binary() : options_.binary;
  data_ = options_.data_dir.empty() ? dir_.sub("data") : options_.data_dir;
  if (!options_.log_file.empty())
    log_ = options_.log_file.starts_with('/') ? options_.log_file : dir_.sub(options_.log_file);
  admin_password_ = options_.admin_password;
  admin_password_file_ = dir_.sub("admin.pw");
  if (options_.create_admin) {
    std::ofstream(admin_password_file_) << admin_password_;
    auto made =
        run_command(command({"admin", "create-user", "--data-dir", data_, "--username", "admin",
                             "--email", kAdminEmail, "--password-file", admin_password_file_}));
    stdout_lines_.push_back(made.output);
    if (made.exit_code != 0)
      throw std::runtime_error("admin create-user failed: " + made.output);
  }
  if (options_.start)
    start();
}

OrderlyServer::~OrderlyServer() {
  if (options_.killed_at_end)
    kill();
  else
    stop();
}

std::vector<std::string> OrderlyServer::command(std::vector<std::string> args) const {
  std::vector<std::string> argv = {binary_};
  argv.insert(argv.end(), args.begin(), args.end());
  return log_.empty() ? argv : with_stderr_to(log_, std::move(argv));
}

void OrderlyServer::start() {
  std::vector<std::string> args = {"serve",       "--data-dir",   data_, "--http-address",
                                   "127.0.0.1:0", "--log-format", "json"};
  args.insert(args.end(), flags_.begin(), flags_.end());
  std::vector<std::string> argv = command(std::move(args));
  if (options_.dies_with_test) {
    // setpriv execs the server in place: the PID stays the server's.
    const std::vector<std::string> setpriv = {"/usr/bin/setpriv", "--pdeathsig", "KILL"};
    const auto at = log_.empty() ? argv.begin() : argv.begin() + 3;  // after sh -c SCRIPT
    argv.insert(at, setpriv.begin(), setpriv.end());
  }
  proc_ = std::make_unique<ChildProcess>(argv);
  const auto line = proc_->read_line(options_.startup_timeout);
  // http:// or https:// (with --tls-cert).
  const std::string marker = "://127.0.0.1:";
  const size_t at = line ? line->find(marker) : std::string::npos;
  if (at == std::string::npos) {
    kill();
    throw std::runtime_error("orderly serve did not start" +
                             (log_.empty() ? "" : "; its log ends with:\n" + log_tail()));
  }
  stdout_lines_.push_back(*line);
  port_.store(static_cast<uint16_t>(std::stoi(line->substr(at + marker.size()))));
}

int OrderlyServer::stop() {
  if (!proc_)
    return 0;
  proc_->terminate();
  for (auto& l : proc_->drain_lines(std::chrono::seconds(30)))
    stdout_lines_.push_back(std::move(l));
  const int status = proc_->wait();
  proc_.reset();
  return status;
}

int OrderlyServer::kill() {
  if (!proc_)
    return 0;
  proc_->kill_hard();
  const int status = proc_->wait();
  proc_.reset();
  return status;
}

bool OrderlyServer::wait_ready(std::chrono::seconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  HttpClient c(port());
  while (std::chrono::steady_clock::now() < deadline) {
    if (c.request("GET", "/ready").status == 200)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string OrderlyServer::log_tail(size_t bytes) const {
  if (log_.empty())
    return "";
  std::ifstream in(log_, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}

Session OrderlyServer::login(const std::string& email, const std::string& password) const {
  HttpClient c(port());
  return session_of(
      c.send("POST", "/api/auth/login", "",
             json::serialize(json::object{{"email", email}, {"password", password}})));
}

Session OrderlyServer::register_user(const std::string& name) const {
  HttpClient c(port());
  return session_of(c.send("POST", "/api/auth/register", "",
                           json::serialize(json::object{{"username", name},
                                                        {"email", name + "@example.com"},
                                                        {"password", "password-of-" + name}})));
}

}  // namespace orderly::testing
