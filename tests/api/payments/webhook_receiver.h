// The engine's side of a webhook, for the simulator's tests: a small
// HTTP/1.1 server on 127.0.0.1 (a port the kernel picks) that records each
// request and answers it with the next status a test queued (200 once none
// is left), one connection at a time, closing each. Stopped and joined by
// the destructor.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "core/mutex.h"

namespace orderly::testing {

class WebhookReceiver {
 public:
  struct Call {
    std::string method, target;
    std::string signature;  // the Orderly-Signature header, "" when absent
    bool has_signature = false;
    std::string body;
  };

  WebhookReceiver();
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/api/payments/webhook";
  }
  // The next calls are answered with these statuses, in order.
  void answer_next(std::vector<int> statuses);
  std::vector<Call> calls() const;
  // Returns once at least `n` calls arrived, or `timeout` passed: the calls.
  std::vector<Call> wait_for(size_t n, std::chrono::milliseconds timeout) const;

 private:
  void run();
  void serve_one(int fd);

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // written by the destructor to stop run()
  uint16_t port_ = 0;
  mutable Mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<Call> calls_ GUARDED_BY(mu_);
  std::deque<int> statuses_ GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace orderly::testing
