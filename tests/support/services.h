// The real services integration tests start beside Orderly, each on a free
// loopback port and stopped by its PID: `nats-server -js` with its own store
// directory, and Debian's aiosmtpd writing what it receives to a Maildir.
#pragma once

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/free_port.h"
#include "tests/support/process.h"

namespace orderly::testing {

// Every message delivered to the Maildir `maildir` so far (its new/), as text.
inline std::vector<std::string> maildir_messages(const std::string& maildir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(maildir + "/new", ec)) {
    std::ifstream in(f.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back(ss.str());
  }
  return out;
}

// `messages` without the account emails (issue 21: verification and reset
// links, password and email changes), known by their subjects.
inline std::vector<std::string> without_account_emails(std::vector<std::string> messages) {
  std::erase_if(messages, [](const std::string& m) {
    for (const char* subject :
         {"Subject: Confirm your email address", "Subject: Reset your password",
          "Subject: Your password was changed", "Subject: Your account's email address"}) {
      if (m.find(subject) != std::string::npos)
        return true;
    }
    return false;
  });
  return messages;
}

// `nats-server -js` on a free loopback port with its own store, which can be
// killed and restarted on the same port and store, or frozen and thawed.
class NatsServer {
 public:
  explicit NatsServer(std::string store_dir) : dir_(std::move(store_dir)) { start(); }
  ~NatsServer() { thaw(); }  // a frozen process ignores everything but SIGKILL: thaw first
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;
  // (Re)starts on the same port and store.
  void start() {
    proc_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/sbin/nats-server", "-js", "-a", "127.0.0.1", "-p",
                                 std::to_string(port_), "-sd", dir_});
    if (!wait_for_listener(port_, std::chrono::seconds(30)))
      throw std::runtime_error("nats-server did not start");
  }
  void kill() {
    thaw();
    proc_->kill_hard();
    proc_->wait();
  }
  // SIGSTOP: the process keeps its sockets open and answers nothing, as a
  // server stuck in a long pause or behind a partition would.
  void freeze() {
    ::kill(proc_->pid(), SIGSTOP);
    frozen_ = true;
  }
  void thaw() {
    if (frozen_ && proc_)
      ::kill(proc_->pid(), SIGCONT);
    frozen_ = false;
  }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

 private:
  uint16_t port_ = free_port();
  std::string dir_;
  std::unique_ptr<ChildProcess> proc_;
  bool frozen_ = false;
};

class SmtpSink {
 public:
  explicit SmtpSink(std::string maildir) : maildir_(std::move(maildir)) {}
  void start() {
    proc_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        "/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_),
        "-c", "aiosmtpd.handlers.Mailbox", maildir_});
    if (!wait_for_listener(port_, std::chrono::seconds(30)))
      throw std::runtime_error("aiosmtpd did not start");
  }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // Every message delivered so far, as text.
  std::vector<std::string> messages() const { return maildir_messages(maildir_); }
  // The order and payment emails among them: not the account emails
  // (registration mails a verification link to every new user).
  std::vector<std::string> order_messages() const { return without_account_emails(messages()); }

 private:
  uint16_t port_ = free_port();
  std::string maildir_;
  std::unique_ptr<ChildProcess> proc_;
};

// Polls `list` until it has at least n entries or the time is up.
inline std::vector<std::string> wait_for_messages(
    const std::function<std::vector<std::string>()>& list, size_t n, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = list();
    if (m.size() >= n)
      return m;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return list();
}

inline size_t count_with(const std::vector<std::string>& messages, const std::string& needle) {
  size_t n = 0;
  for (const auto& m : messages)
    n += m.find(needle) != std::string::npos;
  return n;
}

}  // namespace orderly::testing
