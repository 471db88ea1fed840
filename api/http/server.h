// The HTTP/1.1 server (Boost.Beast on Asio): keep-alive and pipelined
// requests answered in order, a few I/O threads, and the limits a public
// endpoint needs. Everything else (routing, auth, JSON) is the Handler's.
//
// Limits and their answers: a body over `body_limit` (or over what the
// admission step allows for its route) is 413 payload_too_large, headers
// over `header_limit` 431, a request line or headers that do not parse 400
// (so is framing that two HTTP parsers could read differently: any
// Transfer-Encoding but a plain `chunked`, and a missing or repeated Host
// on HTTP/1.1), a body that would pass `body_bytes_in_flight` 503
// overloaded, a client slower than `read_timeout` for a whole request
// (slow loris) is disconnected, and past `max_connections` (or the
// address's share of them, see connection_ledger.h) new connections are
// closed at once. A connection closing after its last answer (it reads
// what the client still sends, two seconds at most) no longer counts.
// Waiting connections are accepted in bursts, dealt out in turn to the I/O
// threads, each of which runs its own loop.
//
// A request's head is read first and handed to the admission step (Admit):
// a request refused there never has its body read.
//
// With `tls` (ServerOptions) every connection speaks TLS first (a client
// that does not is closed at its handshake, so are those slower than
// `read_timeout` to finish it); plain and TLS connections are one session
// template over their stream, so they behave alike in all of the above.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/http/message.h"
#include "api/http/tls_certificates.h"
#include "api/http/trusted_proxies.h"
#include "core/status.h"

namespace orderly::api::http {

struct ServerOptions {
  std::string address = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  int threads = 2;
  size_t body_limit = 1 << 20;
  size_t header_limit = 16 << 10;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};  // between keep-alive requests
  size_t max_connections = 10'000;
  size_t max_connections_per_address = 512;
  size_t max_websockets_per_address = 128;
  // Of max_connections, kept for addresses that hold few connections (a
  // health check, one more customer). Default: a tenth.
  std::optional<size_t> reserved_connections;
  size_t body_bytes_in_flight = 64 << 20;  // request bodies held at once, all connections
  // Peers whose Forwarded / X-Forwarded-For name the client in
  // Request::remote_address (rate limits, logs, idempotency scopes);
  // connection caps count the peer itself.
  TrustedProxies trusted_proxies;
  // HTTPS (and wss://) instead of plain HTTP when set: every connection
  // handshakes with tls->current() and keeps that context for its life, so
  // a reload changes the certificate of new connections only. Every answer
  // then carries Strict-Transport-Security.
  std::shared_ptr<TlsCertificates> tls;
};

// Answers for requests the server refuses before any handler sees them
// (the API's problem+json), by status and stable code.
using ErrorResponder =
    std::function<Response(int status, std::string_view code, std::string_view detail)>;

// What became of one message given to WsSink::send: written to the socket
// whole, or dropped (the client's queue was full, or the connection closed
// or failed first), with the reason.
enum class WsDelivery : uint8_t { kWritten, kDropped };
using WsDone = std::function<void(WsDelivery, std::string_view reason)>;

// One WebSocket connection as the application sees it. send() queues a
// text message; a connection whose queue is full (a client that cannot keep
// up) is closed with 1008 instead of growing memory. `done`, when given, is
// called once with the message's fate, on a thread of the server (keep it
// short: a mutex and an append); not at all for a message whose send is
// still queued when the server itself is destroyed. Safe from any thread.
class WsSink {
 public:
  virtual ~WsSink() = default;
  virtual void send(std::string text, WsDone done) = 0;
  void send(std::string text) { send(std::move(text), nullptr); }
  virtual void close(uint16_t code, std::string reason) = 0;
};

// A WebSocket endpoint: `check` authorises the upgrade request (nullopt) or
// refuses it with an HTTP answer (401, 403 ...); `open` then subscribes the
// connection and returns what to run when it ends (unsubscribe). `open` is
// called right after an accepting `check`, on the same thread, with the
// same request: what `check` learned (who a token names) it may leave in
// the request's `admitted` for `open`, so one upgrade asks once.
struct WsEndpoint {
  std::string path;  // e.g. "/ws/notifications"
  std::function<std::optional<Response>(Request&)> check;
  std::function<std::function<void()>(const Request&, std::shared_ptr<WsSink>)> open;
  size_t max_queued = 256;  // messages waiting for a slow client
  // The X-Request-Id of the 101 answer (the client's, echoed, or a new
  // one), as every other answer carries; none when unset.
  std::function<std::string(const Request&)> request_id;
};

class HttpServer {
 public:
  // `admit`, when given, decides on each request's head before its body is
  // read (message.h); without it every request may bring `body_limit` bytes.
  static Result<std::unique_ptr<HttpServer>> start(const ServerOptions& options, Handler handler,
                                                   ErrorResponder errors,
                                                   std::vector<WsEndpoint> websockets = {},
                                                   Admit admit = {});
  size_t websocket_clients() const;
  ~HttpServer();
  uint16_t port() const;
  size_t connections() const;
  // Stops accepting, lets in-flight requests answer (up to `grace`), then
  // closes every connection and joins the I/O threads.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::api::http
