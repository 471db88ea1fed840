#include "tests/api/payments/webhook_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <stdexcept>

#include "core/text.h"

namespace orderly::testing {

WebhookReceiver::WebhookReceiver() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe(wake_) != 0) {
    throw std::runtime_error("webhook receiver: cannot listen");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

WebhookReceiver::~WebhookReceiver() {
  (void)!::write(wake_[1], "x", 1);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void WebhookReceiver::answer_next(std::vector<int> statuses) {
  MutexLock lock(mu_);
  statuses_.insert(statuses_.end(), statuses.begin(), statuses.end());
}

std::vector<WebhookReceiver::Call> WebhookReceiver::calls() const {
  MutexLock lock(mu_);
  return calls_;
}

std::vector<WebhookReceiver::Call> WebhookReceiver::wait_for(
    size_t n, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(mu_);
  while (calls_.size() < n) {
    if (!lock.wait_until(changed_, deadline))
      break;
  }
  return calls_;
}

void WebhookReceiver::run() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0)
      continue;
    if (fds[1].revents != 0)
      return;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0)
      continue;
    // A client that stops sending cannot hold the receiver forever.
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    serve_one(fd);
    ::close(fd);
  }
}

void WebhookReceiver::serve_one(int fd) {
  std::string data;
  char buf[4096];
  size_t head_end = std::string::npos;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
    if (got <= 0)
      return;
    data.append(buf, static_cast<size_t>(got));
  }
  Call call;
  size_t content_length = 0;
  const std::string head = data.substr(0, head_end);
  size_t line_start = 0;
  for (size_t i = 0; line_start < head.size(); ++i) {
    size_t line_end = head.find("\r\n", line_start);
    if (line_end == std::string::npos)
      line_end = head.size();
    const std::string line = head.substr(line_start, line_end - line_start);
    line_start = line_end + 2;
    if (i == 0) {
      const size_t sp1 = line.find(' ');
      const size_t sp2 = line.find(' ', sp1 + 1);
      call.method = line.substr(0, sp1);
      call.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos)
      continue;
    const std::string name = ascii_lower(line.substr(0, colon));
    const std::string value(trim_ows(std::string_view(line).substr(colon + 1)));
    if (name == "content-length")
      content_length = std::stoul(value);
    if (name == "orderly-signature") {
      call.signature = value;
      call.has_signature = true;
    }
  }
  call.body = data.substr(head_end + 4);
  while (call.body.size() < content_length) {
    const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
    if (got <= 0)
      return;
    call.body.append(buf, static_cast<size_t>(got));
  }
  int status = 200;
  {
    MutexLock lock(mu_);
    if (!statuses_.empty()) {
      status = statuses_.front();
      statuses_.pop_front();
    }
    calls_.push_back(call);
  }
  changed_.notify_all();
  const std::string body = "{\"outcome\":\"test-" + std::to_string(status) + "\"}";
  const std::string answer =
      "HTTP/1.1 " + std::to_string(status) +
      " Test\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  (void)!::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
}

}  // namespace orderly::testing
