// A bare TCP connection for hostile clients: bytes go out exactly as given
// (trickled, half requests, lying framing), from a chosen loopback source
// address (127.0.0.2 is "another client" to per-address rate limits), and
// answers are read by hand. Plain POSIX sockets: no Beast in these tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderly::testing {

struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  std::string header(std::string_view name) const;  // case-insensitive, "" when absent
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:`port` from `source` (any 127.x.y.z).
  explicit RawConnection(uint16_t port, const std::string& source = "127.0.0.1");
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool is_open() const { return fd_ >= 0; }
  // False when the bytes could not all be written (the server closed or reset).
  bool send(std::string_view bytes);
  // One HTTP/1.1 response framed by Content-Length, or nullopt when the
  // server closed first or `timeout` passed.
  std::optional<RawResponse> read_response(std::chrono::milliseconds timeout);
  // True when the server has closed (EOF or reset) within `timeout`; bytes
  // it sends meanwhile are kept in received().
  bool closed_within(std::chrono::milliseconds timeout);
  // Everything the server sends until it closes or `timeout` passes.
  std::string read_all(std::chrono::milliseconds timeout);
  const std::string& received() const { return received_; }

 private:
  // Reads what is there within `timeout`: false on EOF or error.
  bool read_some(std::chrono::milliseconds timeout);

  int fd_ = -1;
  bool peer_closed_ = false;
  std::string received_;
};

// A request sent on its own connection (Connection: close) and its answer,
// or nullopt when the server closed without one.
std::optional<RawResponse> raw_exchange(
    uint16_t port, const std::string& bytes,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace orderly::testing
