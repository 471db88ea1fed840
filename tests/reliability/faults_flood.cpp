#include "tests/reliability/faults_flood.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <strings.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <thread>

namespace orderly::testing {

namespace {

using Clock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  std::string out, in;
  size_t sent = 0;
  bool waiting = false;  // a request is out and its answer not whole yet
  Clock::time_point started;
};

// The length of the first whole response in `in` (0: not whole yet), and
// what it says.
size_t parse_response(const std::string& in, FloodAnswer* a, bool* close) {
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos)
    return 0;
  const std::string head = in.substr(0, head_end + 2);
  size_t length = 0;
  *close = false;
  a->retry_after = false;
  for (size_t at = head.find("\r\n"); at != std::string::npos && at + 2 < head.size();) {
    const size_t next = head.find("\r\n", at + 2);
    const std::string line = head.substr(at + 2, next - at - 2);
    at = next;
    const size_t colon = line.find(':');
    if (colon == std::string::npos)
      continue;
    const std::string name = line.substr(0, colon);
    const size_t value_at = line.find_first_not_of(' ', colon + 1);
    const std::string value = value_at == std::string::npos ? "" : line.substr(value_at);
    if (strcasecmp(name.c_str(), "content-length") == 0)
      length = std::strtoul(value.c_str(), nullptr, 10);
    else if (strcasecmp(name.c_str(), "retry-after") == 0)
      a->retry_after = true;
    else if (strcasecmp(name.c_str(), "connection") == 0 && strcasecmp(value.c_str(), "close") == 0)
      *close = true;
  }
  const size_t total = head_end + 4 + length;
  if (in.size() < total)
    return 0;
  a->status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
  const std::string body = in.substr(head_end + 4, length);
  const std::string key = "\"code\":\"";
  if (const size_t at = body.find(key); at != std::string::npos)
    a->code = body.substr(at + key.size(), body.find('"', at + key.size()) - at - key.size());
  return total;
}

class FloodThread {
 public:
  FloodThread(const FloodOptions& o, size_t first, size_t count, Clock::time_point stop_at)
      : o_(o), first_(first), conns_(count), stop_at_(stop_at) {}

  void run() {
    ep_ = epoll_create1(0);
    for (size_t i = 0; i < conns_.size(); ++i)
      open(i);
    const Clock::time_point give_up = stop_at_ + o_.grace;
    std::vector<epoll_event> events(256);
    while (true) {
      const auto now = Clock::now();
      size_t waiting = 0;
      for (const auto& c : conns_)
        waiting += c.waiting;
      if ((now >= stop_at_ && waiting == 0) || now >= give_up) {
        result.unfinished = waiting;
        break;
      }
      const int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 50);
      for (int e = 0; e < n; ++e)
        on_event(events[static_cast<size_t>(e)].data.u64, events[static_cast<size_t>(e)].events);
    }
    for (auto& c : conns_) {
      if (c.fd >= 0)
        ::close(c.fd);
    }
    ::close(ep_);
  }

  FloodResult result;

 private:
  void open(size_t i) {
    Connection& c = conns_[i];
    c = Connection{};
    if (Clock::now() >= stop_at_)
      return;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(o_.port);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS) {
      ++result.connect_failures;
      ::close(c.fd);
      c.fd = -1;
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = i;
    epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
    start_request(i);
  }

  void start_request(size_t i) {
    Connection& c = conns_[i];
    c.out = o_.request(first_ + i);
    c.sent = 0;
    c.waiting = true;
    c.started = Clock::now();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = i;
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  // The connection broke: the request in flight has no answer. Reconnects
  // while the flood lasts.
  void broken(size_t i) {
    Connection& c = conns_[i];
    if (c.waiting) {
      FloodAnswer a;
      a.ms = std::chrono::duration<double, std::milli>(Clock::now() - c.started).count();
      result.answers.push_back(a);
    }
    ::close(c.fd);
    open(i);
  }

  void on_event(size_t i, uint32_t flags) {
    Connection& c = conns_[i];
    if (c.fd < 0)
      return;
    if ((flags & EPOLLOUT) && c.sent < c.out.size()) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno != EAGAIN)
        return broken(i);
      if (n > 0)
        c.sent += static_cast<size_t>(n);
      if (c.sent == c.out.size()) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
      }
    }
    if (!(flags & (EPOLLIN | EPOLLHUP | EPOLLERR)))
      return;
    char buf[16384];
    bool closed = false;
    while (true) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        continue;
      }
      closed = n == 0 || errno != EAGAIN;
      break;
    }
    FloodAnswer a;
    bool close_after = false;
    if (c.waiting) {
      if (const size_t used = parse_response(c.in, &a, &close_after); used > 0) {
        a.ms = std::chrono::duration<double, std::milli>(Clock::now() - c.started).count();
        result.answers.push_back(a);
        c.in.erase(0, used);
        c.waiting = false;
        if (close_after || closed || Clock::now() >= stop_at_) {
          ::close(c.fd);
          open(i);  // (opens nothing once the flood is over)
          return;
        }
        return start_request(i);
      }
    }
    if (closed)
      broken(i);
  }

  const FloodOptions& o_;
  size_t first_;
  std::vector<Connection> conns_;
  Clock::time_point stop_at_;
  int ep_ = -1;
};

}  // namespace

FloodResult flood(const FloodOptions& options) {
  const auto stop_at = Clock::now() + options.duration;
  std::vector<std::unique_ptr<FloodThread>> workers;
  const size_t per = options.connections / static_cast<size_t>(options.threads);
  for (int t = 0; t < options.threads; ++t) {
    const size_t first = per * static_cast<size_t>(t);
    const size_t count = t + 1 == options.threads ? options.connections - first : per;
    workers.push_back(std::make_unique<FloodThread>(options, first, count, stop_at));
  }
  std::vector<std::thread> threads;
  for (auto& w : workers)
    threads.emplace_back([&w] { w->run(); });
  for (auto& t : threads)
    t.join();
  FloodResult out;
  for (auto& w : workers) {
    out.answers.insert(out.answers.end(), w->result.answers.begin(), w->result.answers.end());
    out.connect_failures += w->result.connect_failures;
    out.unfinished += w->result.unfinished;
  }
  return out;
}

}  // namespace orderly::testing
