#include "tests/security/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

namespace orderly::testing {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string RawResponse::header(std::string_view name) const {
  const std::string head_lower = lower(head);
  const std::string key = "\r\n" + lower(name) + ":";
  const size_t at = head_lower.find(key);
  if (at == std::string::npos)
    return "";
  size_t from = at + key.size();
  const size_t end = head.find("\r\n", from);
  while (from < end && head[from] == ' ')
    ++from;
  return head.substr(from, end - from);
}

RawConnection::RawConnection(uint16_t port, const std::string& source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0)
    return;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // trickled bytes go out alone
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool RawConnection::send(std::string_view bytes) {
  if (fd_ < 0)
    return false;
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawConnection::read_some(std::chrono::milliseconds timeout) {
  if (fd_ < 0 || peer_closed_)
    return false;
  pollfd p{fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready <= 0)
    return true;  // nothing yet
  char buf[65536];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    peer_closed_ = true;
    return false;
  }
  received_.append(buf, static_cast<size_t>(n));
  return true;
}

bool RawConnection::closed_within(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!peer_closed_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    read_some(left);
  }
  return true;
}

std::string RawConnection::read_all(std::chrono::milliseconds timeout) {
  closed_within(timeout);
  return received_;
}

std::optional<RawResponse> RawConnection::read_response(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now());
  };
  size_t end_of_head;
  while ((end_of_head = received_.find("\r\n\r\n")) == std::string::npos) {
    if (left().count() <= 0 || !read_some(left()))
      return std::nullopt;
  }
  RawResponse r;
  r.head = received_.substr(0, end_of_head + 2);
  if (r.head.size() < 12 || !r.head.starts_with("HTTP/1."))
    return std::nullopt;
  r.status = std::atoi(r.head.c_str() + 9);
  const std::string length = r.header("content-length");
  const size_t body_size = length.empty() ? 0 : std::stoull(length);
  const size_t body_at = end_of_head + 4;
  while (received_.size() < body_at + body_size) {
    if (left().count() <= 0 || !read_some(left()))
      return std::nullopt;
  }
  r.body = received_.substr(body_at, body_size);
  received_.erase(0, body_at + body_size);
  return r;
}

std::optional<RawResponse> raw_exchange(uint16_t port, const std::string& bytes,
                                        std::chrono::milliseconds timeout) {
  RawConnection c(port);
  if (!c.is_open())
    return std::nullopt;
  c.send(bytes);  // the server may answer (and close) before it has read everything
  return c.read_response(timeout);
}

}  // namespace orderly::testing
