#include "tests/support/process.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

extern char** environ;

namespace orderly::testing {

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe(fds) != 0)
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = posix_spawn(&pid_, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw std::runtime_error("cannot start " + argv[0]);
  }
  out_fd_ = fds[0];
}

ChildProcess::~ChildProcess() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait();
  }
  if (out_fd_ >= 0)
    close(out_fd_);
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
      continue;
    char buf[65536];
    const ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0)
      return std::nullopt;  // EOF: a partial last line is dropped
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

std::vector<std::string> ChildProcess::drain_lines(std::chrono::milliseconds timeout) {
  std::vector<std::string> lines;
  while (auto line = read_line(timeout))
    lines.push_back(std::move(*line));
  return lines;
}

void ChildProcess::kill_hard() {
  if (!reaped_ && pid_ > 0)
    ::kill(pid_, SIGKILL);
}

void ChildProcess::terminate() {
  if (!reaped_ && pid_ > 0)
    ::kill(pid_, SIGTERM);
}

int ChildProcess::wait() {
  if (reaped_)
    return status_;
  int st = 0;
  while (waitpid(pid_, &st, 0) < 0) {
  }
  reaped_ = true;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return status_;
}

KilledRun run_then_kill(const std::vector<std::string>& argv, std::chrono::milliseconds run_for,
                        std::chrono::seconds startup) {
  ChildProcess child(argv);
  KilledRun out;
  auto first = child.read_line(startup);
  if (first) {
    out.lines.push_back(std::move(*first));
    const auto kill_at = std::chrono::steady_clock::now() + run_for;
    while (std::chrono::steady_clock::now() < kill_at) {
      if (auto l = child.read_line(std::chrono::milliseconds(5)))
        out.lines.push_back(std::move(*l));
    }
  }
  child.kill_hard();
  if (first) {
    for (auto& l : child.drain_lines(std::chrono::seconds(5)))
      out.lines.push_back(std::move(l));
  }
  out.exit_status = child.wait();
  return out;
}

std::vector<std::string> with_stderr_to(const std::string& log, std::vector<std::string> argv) {
  std::vector<std::string> out = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>>'" + log + "'"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

RunResult run_command(const std::vector<std::string>& argv) {
  ChildProcess p(argv);
  std::string out;
  while (auto line = p.read_line(std::chrono::minutes(5)))
    out += *line + "\n";
  return {p.wait(), out};
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:"))
      return std::stol(line.substr(6));  // "VmRSS:   68412 kB"
  }
  return 0;
}

}  // namespace orderly::testing
