// The only translation unit with Beast and Asio in the HTTP path (they cost
// ~35 s per file to compile on this machine). Plain and TLS connections are
// the same session and WebSocket templates over their stream type (Stream,
// TlsStream), instantiated here for both.
#include "api/http/server.h"

#include "api/http/body_budget.h"
#include "api/http/connection_ledger.h"
#include "api/http/http_date.h"
#include "api/http/request_head.h"
#include "core/thread_name.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include <algorithm>
#include <array>
#include <atomic>
#include <thread>
#include <type_traits>
#include <vector>

namespace orderly::api::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
// A connection's loop by its concrete type: handlers are called through it
// without the type-erased any_io_executor's copies and lookups.
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Stream = beast::basic_stream<tcp, Executor>;
using TlsStream = beast::ssl_stream<Stream>;
// What a connection keeps of the TLS context it handshook with (null on
// plain HTTP): a certificate reload replaces the server's, not its.
using TlsContext = std::shared_ptr<net::ssl::context>;

struct HttpServer::Impl {
  explicit Impl(const ServerOptions& o)
      : options(o),
        ledger(ConnectionLimits{o.max_connections, o.max_connections_per_address,
                                o.max_websockets_per_address,
                                o.reserved_connections.value_or(o.max_connections / 10),
                                // A sixteenth of the body budget, at least room for two
                                // bodies of the admin routes' usual limit (1 MiB). Not from
                                // body_limit: that is the largest route's (image uploads, 10
                                // MiB), whose one body the ledger lets in anyway.
                                std::min(o.body_bytes_in_flight,
                                         std::max(o.body_bytes_in_flight / 16, size_t{2} << 20))}),
        budget(o.body_bytes_in_flight) {}

  ServerOptions options;
  // Declared before the io_context: sessions still queued in it when it is
  // destroyed count themselves out of these on the way.
  ConnectionLedger ledger;  // HTTP and WebSocket connections, per address
  BodyBudget budget;        // request bodies held at once
  std::atomic<size_t> in_flight{0};
  std::atomic<bool> stopping{false};
  std::atomic<size_t> ws_clients{0};
  Handler handler;
  Admit admit;
  ErrorResponder errors;
  std::vector<WsEndpoint> websockets;
  // One io_context per I/O thread, each run by that thread alone: a
  // connection lives on one of them from accept to close, so its handlers
  // need no strand and never wake another thread, and the threads share no
  // scheduler lock. Connections are dealt out in turn at accept.
  // (One context run by every thread measured 30% of the I/O threads' time
  // in wake-ups and strand bookkeeping, and fell by half from 32 to 256
  // connections.)
  struct Loop {
    net::io_context ioc{1};  // concurrency hint: one thread runs it
    // Keeps the thread running while a request is with its handler (no
    // socket operation pending): once the acceptor is closed at stop(),
    // run() would return and the answers still to come would never be
    // written.
    net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  };
  std::vector<std::unique_ptr<Loop>> loops;
  size_t next_loop = 0;  // the acceptor's: which loop takes the next connection
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<net::steady_timer> accept_retry;
  std::vector<std::thread> threads;

  void accept();
  // The loop of the next connection: in turn.
  net::io_context& next_connection_loop();
  // A connection accepted: counted in (or closed over a limit) and served.
  void admit_connection(Socket& socket);
  // Connections taken from the kernel's queue at once after each accept
  // (bounded: the loop serves its connections between bursts).
  static constexpr size_t kAcceptBurst = 64;
};

namespace {

namespace websocket = beast::websocket;

// HTTPS answers, WebSocket upgrades included, tell browsers to come back
// over HTTPS only for two years (RFC 6797).
constexpr std::string_view kHsts = "max-age=63072000";

template <class S>
constexpr bool kTls = std::is_same_v<S, TlsStream>;

template <class S>
class WsSession : public WsSink, public std::enable_shared_from_this<WsSession<S>> {
 public:
  using std::enable_shared_from_this<WsSession<S>>::shared_from_this;
  // Takes over the HTTP session's connection, its TLS context and its place
  // in the ledger (one connection and one WebSocket of `remote`).
  WsSession(S&& stream, TlsContext tls, HttpServer::Impl& server, size_t max_queued,
            std::string remote)
      : tls_(std::move(tls)),
        ws_(std::move(stream)),
        server_(server),
        max_queued_(max_queued),
        remote_(std::move(remote)) {
    server_.ws_clients.fetch_add(1);
  }
  ~WsSession() override {
    for (Queued& q : queue_)  // never written: the connection ended first
      dropped(q, "the connection closed before it was written");
    server_.ws_clients.fetch_sub(1);
    server_.ledger.close_websocket(remote_);
    server_.ledger.close(remote_);
  }

  void accept(const beast::http::request<beast::http::string_body>& req,
              std::function<void()> on_close, std::string request_id) {
    on_close_ = std::move(on_close);
    beast::get_lowest_layer(ws_).expires_never();
    // A bounded kernel buffer too: a client that stops reading fills it and
    // then our queue, and is dropped, instead of parking megabytes per socket.
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(net::socket_base::send_buffer_size(64 << 10),
                                                     ignored);
    // Pings every idle interval; a peer that answers none is dropped.
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [id = std::move(request_id)](websocket::response_type& res) {
          res.set(beast::http::field::server, "orderly");
          if (!id.empty())
            res.set("X-Request-Id", id);
          if constexpr (kTls<S>)
            res.set(beast::http::field::strict_transport_security, kHsts);
        }));
    ws_.read_message_max(64 << 10);
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return self->finish();
      self->open_ = true;
      if (self->closed_)  // closed during the handshake: say so now
        return self->send_close();
      self->read();
      self->flush();
    });
  }

  using WsSink::send;
  void send(std::string text, WsDone done) override {
    net::post(ws_.get_executor(), [self = shared_from_this(),
                                   q = Queued{std::move(text), std::move(done)}]() mutable {
      if (self->closed_)
        return dropped(q, "the connection was closed");
      if (self->queue_.size() >= self->max_queued_) {
        // Too slow to keep up: drop it rather than buffer without bound
        // (keeping the message being written: its buffer is in use).
        constexpr std::string_view kFull = "the client's queue was full";
        const size_t keep = self->writing_ ? 1 : 0;
        for (size_t i = keep; i < self->queue_.size(); ++i)
          dropped(self->queue_[i], kFull);
        self->queue_.resize(keep);
        dropped(q, kFull);
        return self->do_close(websocket::close_code::policy_error, "too slow: messages dropped");
      }
      self->queue_.push_back(std::move(q));
      self->flush();
    });
  }

  void close(uint16_t code, std::string reason) override {
    net::post(ws_.get_executor(), [self = shared_from_this(), code, reason] {
      self->do_close(static_cast<websocket::close_code>(code), reason);
    });
  }

 private:
  void read() {
    // Client messages are not commands here; reading keeps pings and the
    // close handshake flowing.
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->in_.consume(self->in_.size());
      if (ec)
        return self->finish();
      self->read();
    });
  }

  void flush() {
    if (!open_ || writing_ || queue_.empty() || closed_)
      return;
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front().text),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      self->writing_ = false;
                      if (ec)
                        return self->finish();  // the destructor reports what is queued
                      if (auto& done = self->queue_.front().done)
                        done(WsDelivery::kWritten, {});
                      self->queue_.pop_front();
                      if (self->closed_)
                        return self->send_close();
                      self->flush();
                    });
  }

  void do_close(websocket::close_code code, const std::string& reason) {
    if (closed_)
      return finish();
    if (!open_) {  // the handshake is in flight: the close frame follows it
      closed_ = true;
      close_reason_ = websocket::close_reason(code, reason);
      return;
    }
    closed_ = true;
    close_reason_ = websocket::close_reason(code, reason);
    if (!writing_)
      send_close();  // else once the write in flight is done (one write at a time)
  }
  void send_close() {
    ws_.async_close(close_reason_,
                    [self = shared_from_this()](beast::error_code) { self->finish(); });
  }

  void finish() {
    closed_ = true;
    if (on_close_) {
      auto fn = std::move(on_close_);
      on_close_ = nullptr;
      fn();
    }
  }

  struct Queued {
    std::string text;
    WsDone done;  // may be empty
  };
  static void dropped(Queued& q, std::string_view reason) {
    if (q.done) {
      auto done = std::move(q.done);
      q.done = nullptr;
      done(WsDelivery::kDropped, reason);
    }
  }

  TlsContext tls_;  // before ws_: outlives the connection's TLS state
  websocket::stream<S> ws_;
  HttpServer::Impl& server_;
  size_t max_queued_;
  std::string remote_;
  beast::flat_buffer in_;
  std::deque<Queued> queue_;
  std::function<void()> on_close_;
  websocket::close_reason close_reason_;
  bool open_ = false, writing_ = false, closed_ = false;
};

template <class S>
class Session : public std::enable_shared_from_this<Session<S>> {
 public:
  using std::enable_shared_from_this<Session<S>>::shared_from_this;
  // REQUIRES: `tls` is set exactly when S is TlsStream.
  Session(Socket&& socket, TlsContext tls, HttpServer::Impl& server, std::string remote)
      : tls_(std::move(tls)),
        stream_(make_stream(std::move(socket), tls_)),
        server_(server),
        remote_(std::move(remote)) {}
  ~Session() {
    uncount();  // an answer that never came (its Respond dropped unanswered)
    release_body();
    if (!handed_over_)
      server_.ledger.close(remote_);
  }

  void start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::begin, shared_from_this()));
  }

 private:
  static S make_stream(Socket&& socket, const TlsContext& tls) {
    if constexpr (kTls<S>)
      return S(std::move(socket), *tls);
    else
      return S(std::move(socket));
  }
  // The TCP connection under the stream: its timeouts and its socket.
  Stream& tcp_stream() { return beast::get_lowest_layer(stream_); }

  // The TLS handshake first (held to the request timeout, like a request):
  // a client that speaks plain HTTP, or an old TLS version, fails it and
  // is closed unanswered.
  void begin() {
    if constexpr (kTls<S>) {
      tcp_stream().expires_after(server_.options.read_timeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = shared_from_this()](beast::error_code ec) {
                                if (ec)
                                  return self->close();
                                self->read();
                              });
    } else {
      read();
    }
  }

  void read() {
    if (server_.stopping.load())
      return close();
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    parser_->header_limit(static_cast<uint32_t>(server_.options.header_limit));
    body_limit_ = server_.options.body_limit;
    if (first_ || buffer_.size() > 0)
      return read_head();
    // Between keep-alive requests the connection may idle for the idle
    // timeout; once the next request's first bytes arrive, the rest of it
    // is held to the request timeout like a first request.
    tcp_stream().expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->buffer_.commit(n);
                              if (ec)
                                return self->on_failure(ec);
                              self->read_head();
                            });
  }

  // The whole request, head and body, must arrive within the timeout: a
  // slow-loris client that trickles bytes is cut off like an idle one.
  void read_head() {
    deadline_ = std::chrono::steady_clock::now() + server_.options.read_timeout;
    // A keep-alive client's next request usually came whole with the last
    // read: its head is parsed from the buffer here, without a trip
    // through the loop (and a timer armed and cancelled) for nothing.
    if (buffer_.size() > 0) {
      beast::error_code ec;
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec != beast::http::error::need_more && (ec || parser_->is_header_done()))
        return on_head(ec, used);
    }
    tcp_stream().expires_at(deadline_);
    beast::http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::on_head, shared_from_this()));
  }

  void on_head(beast::error_code ec, size_t) {
    first_ = false;
    head_only_ = false;
    if (ec)
      return on_failure(ec);
    auto& msg = parser_->get();
    version_ = msg.version();
    Request req = request_head(msg);
    if (auto bad = framing_error(req, msg.version()))
      return refuse(400, "malformed_request", *bad);
    if (websocket::is_upgrade(msg) && upgrade(req))
      return;
    keep_alive_ = msg.keep_alive();
    // HEAD is answered as GET would be, without the body (RFC 9110 §9.3.2).
    if (msg.method() == beast::http::verb::head) {
      head_only_ = true;
      req.method = "GET";
    }
    const bool body_pending = !parser_->is_done();
    // Read now: the application may take the head's fields away.
    const bool expects_continue = body_pending && version_ >= 11 &&
                                  beast::iequals(msg[beast::http::field::expect], "100-continue");
    counted_ = true;  // in flight until the answer is posted back, or given up
    server_.in_flight.fetch_add(1);
    Respond respond = [self = shared_from_this()](Response res) {
      // An answer given by the handler while the I/O thread is still in it
      // (a health check, a read from a read model) is written at once; one
      // from another thread (the writer's, after an fsync) goes through the
      // connection's loop.
      if (self->stream_.get_executor().running_in_this_thread() && self->answer_inline_)
        return self->answer(std::move(res));
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res)]() mutable { self->answer(std::move(res)); });
    };
    size_t limit = server_.options.body_limit;
    if (server_.admit) {
      const auto admitted = server_.admit(req, std::move(respond));
      respond = nullptr;  // the application holds it now
      if (!admitted) {
        // Refused, the answer is on its way: a body still coming is never
        // read, so the connection cannot carry another request.
        if (body_pending)
          keep_alive_ = false;
        return;
      }
      limit = std::min(limit, *admitted);
    }
    if (!body_pending)
      return deliver(std::move(req), std::move(respond));
    const auto length = parser_->content_length();
    if (length && *length > limit) {
      return give_up(413, "payload_too_large",
                     "the body is larger than " + std::to_string(limit) + " bytes");
    }
    // The bytes are counted before any is read: Beast reserves a body of
    // Content-Length at once.
    const size_t reserve = length ? static_cast<size_t>(*length) : limit;
    if (!server_.ledger.reserve_body(remote_, reserve)) {
      return give_up(429, "rate_limited",
                     "this address is sending too many request bodies at once; retry shortly");
    }
    if (!server_.budget.try_reserve(reserve)) {
      server_.ledger.release_body(remote_, reserve);
      return give_up(503, "overloaded",
                     "the server holds too many request bodies at once; retry shortly");
    }
    reserved_ = reserve;
    parser_->body_limit(limit);
    body_limit_ = limit;
    pending_ = std::move(req);
    pending_respond_ = std::move(respond);
    // A small body usually came with its head: parsed from the buffer at
    // once, without another trip through the I/O loop.
    if (length && buffer_.size() >= *length)
      return on_body(parse_buffered_body(), 0);
    tcp_stream().expires_at(deadline_);
    // A client that waits for leave to send its body (Expect: 100-continue,
    // RFC 9110 §10.1.1) gets it now that the request is admitted; one that
    // is refused got its answer instead and never sent the body.
    if (expects_continue) {
      auto go_on = std::make_shared<beast::http::response<beast::http::empty_body>>(
          beast::http::status::continue_, version_);
      return beast::http::async_write(
          stream_, *go_on, [self = shared_from_this(), go_on](beast::error_code ec, size_t) {
            if (ec)
              return self->on_body(ec, 0);
            self->read_body();
          });
    }
    read_body();
  }

  void read_body() {
    beast::http::async_read(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_body, shared_from_this()));
  }

  // REQUIRES: the whole body (of a known length) is in buffer_.
  beast::error_code parse_buffered_body() {
    beast::error_code ec;
    while (!ec && !parser_->is_done()) {
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (used == 0 && !ec)
        ec = beast::http::error::need_more;  // cannot happen with the body in hand; never spin
    }
    return ec;
  }

  void on_body(beast::error_code ec, size_t) {
    // Taken out of the session at once: the admitted request holds its
    // Respond, which holds this session.
    Request req = std::move(*pending_);
    pending_.reset();
    Respond respond = std::move(pending_respond_);
    pending_respond_ = nullptr;
    if (ec) {
      uncount();
      release_body();
      return on_failure(ec);
    }
    req.body = std::move(parser_->get().body());
    deliver(std::move(req), std::move(respond));
  }

  void deliver(Request req, Respond respond) {
    parser_.reset();
    // A large request leaves a large read buffer behind: give it back
    // rather than keep it for the life of an idle connection.
    if (buffer_.size() == 0 && buffer_.capacity() > kKeptBuffer)
      buffer_.shrink_to_fit();
    tcp_stream().expires_never();  // the handler may take a while (an fsync); the client waits
    answer_inline_ = true;
    server_.handler(std::move(req), std::move(respond));
    answer_inline_ = false;
  }

  // The request's answer, on the connection's loop.
  void answer(Response res) {
    answer_inline_ = false;  // answered: nothing more to write from inside the handler
    uncount();
    release_body();
    write(std::move(res));
  }

  // An admitted request that will not reach its handler after all.
  void give_up(int status, std::string_view code, const std::string& detail) {
    uncount();
    release_body();
    Response res = server_.errors(status, code, detail);
    if (status == 503 || status == 429)
      res.header("Retry-After", "1");
    res.close = true;
    write(std::move(res));
  }

  // The request no longer counts as in flight (stop() waits for those).
  void uncount() {
    if (!counted_)
      return;
    counted_ = false;
    server_.in_flight.fetch_sub(1);
  }

  void release_body() {
    if (reserved_ == 0)
      return;
    server_.ledger.release_body(remote_, reserved_);
    server_.budget.release(reserved_);
    reserved_ = 0;
  }

  // A WebSocket upgrade to one of the endpoints: refused with an HTTP
  // answer, or handed over (true). False when no endpoint has this path.
  bool upgrade(Request& req) {
    for (const WsEndpoint& endpoint : server_.websockets) {
      if (endpoint.path != req.path)
        continue;
      keep_alive_ = false;  // an upgrade refused closes its connection
      if (server_.stopping.load()) {
        // The hub has closed its connections already: one opened now would
        // outlive it.
        write(server_.errors(503, "shutting_down", "the server is stopping"));
        return true;
      }
      if (!server_.ledger.open_websocket(remote_)) {
        Response refusal =
            server_.errors(429, "rate_limited",
                           "at most " + std::to_string(server_.options.max_websockets_per_address) +
                               " WebSocket connections per client address: close one first");
        refusal.header("Retry-After", "5");
        write(std::move(refusal));
        return true;
      }
      if (auto refusal = endpoint.check(req)) {
        server_.ledger.close_websocket(remote_);
        write(std::move(*refusal));
        return true;
      }
      handed_over_ = true;  // the WebSocket keeps its place in the ledger
      std::string request_id = endpoint.request_id ? endpoint.request_id(req) : "";
      auto ws = std::make_shared<WsSession<S>>(std::move(stream_), tls_, server_,
                                               endpoint.max_queued, remote_);
      ws->accept(parser_->release(), endpoint.open(req, ws), std::move(request_id));
      return true;
    }
    return false;
  }

  // The request's head as the application sees it (no body yet).
  Request request_head(const beast::http::request<beast::http::string_body>& msg) const {
    Request req;
    req.method = std::string(msg.method_string());
    const std::string_view target = origin_form(msg.target());
    const size_t q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos)
      req.query = std::string(target.substr(q + 1));
    req.headers.reserve(static_cast<size_t>(std::distance(msg.begin(), msg.end())));
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    req.remote_address = server_.options.trusted_proxies.client_of(remote_, req.headers);
    return req;
  }

  void on_failure(beast::error_code ec) {
    if (ec == beast::http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
      return close();
    }
    if (ec == beast::http::error::body_limit) {
      return refuse(413, "payload_too_large",
                    "the body is larger than " + std::to_string(body_limit_) + " bytes");
    }
    if (ec == beast::http::error::header_limit) {
      return refuse(
          431, "headers_too_large",
          "the headers are larger than " + std::to_string(server_.options.header_limit) + " bytes");
    }
    if (buffer_.size() == 0 && (!parser_ || !parser_->got_some()))
      return close();
    return refuse(400, "malformed_request", "the HTTP request does not parse: " + ec.message());
  }

  void refuse(int status, std::string_view code, const std::string& detail) {
    Response res = server_.errors(status, code, detail);
    res.close = true;
    write(std::move(res));
  }

  // Answers are framed here, head and body written in one gathered write:
  // Beast's serializer walked its buffer sequence element by element and
  // was a tenth of the I/O threads' time on small answers.
  void write(Response res) {
    const bool keep = keep_alive_ && !res.close && !server_.stopping.load();
    out_head_.clear();
    frame_head(out_head_, res, version_ ? version_ : 11, keep, kTls<S>);
    out_body_ = head_only_ ? std::string() : std::move(res.body);
    tcp_stream().expires_after(server_.options.read_timeout);
    const std::array<net::const_buffer, 2> buffers{net::buffer(out_head_), net::buffer(out_body_)};
    net::async_write(
        stream_, buffers, [self = shared_from_this(), keep](beast::error_code ec, size_t) {
          if (self->out_body_.capacity() > kKeptBuffer)
            self->out_body_ = std::string();  // an image or a large page: not kept for the next
          if (ec)
            return self->close();
          if (!keep)
            return self->linger_close();
          self->read();
        });
  }

  // The status line and headers of `res` (RFC 9112): Server, Date and
  // Content-Type unless the response sets its own, a header the response
  // sets twice written once (the last; Set-Cookie excepted, each is its
  // own), Content-Length (of the body, also for HEAD) except on 204 and
  // 304, and Connection as the version needs; over TLS (`hsts`),
  // Strict-Transport-Security. A header whose name or value holds CR or LF
  // is left out rather than let it split the answer.
  static void frame_head(std::string& out, const Response& res, unsigned version, bool keep,
                         bool hsts) {
    const auto status = static_cast<beast::http::status>(res.status);
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(res.status);
    out += ' ';
    out += beast::http::obsolete_reason(status);
    out += "\r\n";
    auto line = [&out](std::string_view name, std::string_view value) {
      if (name.find_first_of("\r\n:") != std::string_view::npos ||
          value.find_first_of("\r\n") != std::string_view::npos)
        return;
      out += name;
      out += ": ";
      out += value;
      out += "\r\n";
    };
    auto sets = [&res](std::string_view name, size_t from) {
      for (size_t i = from; i < res.headers.size(); ++i) {
        if (beast::iequals(res.headers[i].first, name))
          return true;
      }
      return false;
    };
    if (!sets("server", 0))
      line("Server", "orderly");
    if (!sets("date", 0))
      line("Date", http_date_now());
    if ((!res.body.empty() || res.status != 204) && !sets("content-type", 0))
      line("Content-Type", res.content_type);
    if (hsts && !sets("strict-transport-security", 0))
      line("Strict-Transport-Security", kHsts);
    for (size_t i = 0; i < res.headers.size(); ++i) {
      const auto& [name, value] = res.headers[i];
      if (beast::iequals(name, "content-length") || beast::iequals(name, "connection"))
        continue;  // the framing is the server's
      if (!beast::iequals(name, "set-cookie") && sets(name, i + 1))
        continue;
      line(name, value);
    }
    if (res.status != 204 && res.status != 304 && res.status >= 200) {
      out += "Content-Length: ";
      out += std::to_string(res.body.size());
      out += "\r\n";
    }
    if (version >= 11 && !keep)
      out += "Connection: close\r\n";
    else if (version < 11 && keep)
      out += "Connection: keep-alive\r\n";
    out += "\r\n";
  }

  // After an answer that ends the connection (e.g. 413 while the client is
  // still sending its body): stop sending, then read and discard what the
  // client still sends for a moment before closing. Closing at once with
  // unread bytes makes the kernel send a reset, and the client may lose the
  // answer before it reads it.
  //
  // A connection lingering so no longer counts against its address's share
  // (connection_ledger.h): its last answer is out and it only waits, two
  // seconds at most, for the client to close. A client that churns
  // connections (each refused with a closing 429) would otherwise find its
  // next connection closed unanswered while its old ones drain.
  void linger_close() {
    if (!handed_over_) {
      server_.ledger.close(remote_);
      handed_over_ = true;  // out of the ledger: the destructor does not count it out again
    }
    buffer_.clear();
    buffer_.shrink_to_fit();
    tcp_stream().expires_after(std::chrono::seconds(2));
    if constexpr (kTls<S>) {
      // TLS says it with close_notify, and waits for the client's (what it
      // still sends meanwhile is read and dropped), then the TCP close.
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
    } else {
      beast::error_code ec;
      tcp_stream().socket().shutdown(Socket::shutdown_send, ec);
      drain();
    }
  }
  void drain() {
    auto scratch = std::make_shared<std::array<char, 16384>>();
    stream_.async_read_some(net::buffer(*scratch),
                            [self = shared_from_this(), scratch](beast::error_code ec, size_t) {
                              if (ec)
                                return self->close();
                              self->drain();
                            });
  }

  // At once, without a TLS close_notify: a failed or idle connection.
  void close() {
    beast::error_code ec;
    tcp_stream().socket().shutdown(Socket::shutdown_send, ec);
    tcp_stream().close();
  }

  // A read buffer larger than this is given back between requests.
  static constexpr size_t kKeptBuffer = 16 << 10;

  TlsContext tls_;  // before stream_: outlives the connection's TLS state
  S stream_;
  HttpServer::Impl& server_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::chrono::steady_clock::time_point deadline_;  // of the request being read
  // An admitted request whose body is being read, and its answer's way.
  std::optional<Request> pending_;
  Respond pending_respond_;
  size_t reserved_ = 0;   // of the body budget, by the request in flight
  bool counted_ = false;  // in server_.in_flight
  size_t body_limit_ = 0;
  bool keep_alive_ = true;
  bool first_ = true;
  bool handed_over_ = false;  // out of the ledger's count: a WebSocket took it, or lingering
  bool head_only_ = false;
  bool answer_inline_ = false;  // in the handler, on this connection's thread
  unsigned version_ = 11;
  std::string out_head_, out_body_;  // the answer being written
};

// The peer's address as text, an IPv4 client of a dual-stack socket as
// IPv4 ("::ffff:1.2.3.4" is 1.2.3.4): the key of per-address limits.
std::string address_of(const Socket& socket) {
  beast::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec)
    return "";
  const auto address = ep.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

}  // namespace

void HttpServer::Impl::admit_connection(Socket& socket) {
  std::string remote = address_of(socket);
  if (!ledger.open(remote)) {
    beast::error_code ignored;
    socket.close(ignored);  // over a limit: no resources for it at all
    return;
  }
  // Answers and WebSocket frames are small and written whole: without
  // this, Nagle holds a frame back until the client's delayed ACK
  // (about 40 ms on Linux), which was the p99 of live pushes.
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (options.tls) {
    std::make_shared<Session<TlsStream>>(std::move(socket), options.tls->current(), *this,
                                         std::move(remote))
        ->start();
  } else {
    std::make_shared<Session<Stream>>(std::move(socket), nullptr, *this, std::move(remote))
        ->start();
  }
}

net::io_context& HttpServer::Impl::next_connection_loop() {
  net::io_context& target = loops[next_loop]->ioc;
  next_loop = (next_loop + 1) % loops.size();
  return target;
}

void HttpServer::Impl::accept() {
  auto accepted = std::make_shared<Socket>(next_connection_loop().get_executor());
  acceptor->async_accept(*accepted, [this, accepted](beast::error_code ec) {
    if (ec) {
      if (stopping.load() || ec == net::error::operation_aborted)
        return;
      // Out of file descriptors (or similar): wait a little instead of
      // spinning on a failing accept.
      accept_retry->expires_after(std::chrono::milliseconds(100));
      accept_retry->async_wait([this](beast::error_code e) {
        if (!e && !stopping.load())
          accept();
      });
      return;
    }
    admit_connection(*accepted);
    // Then the connections already waiting, up to kAcceptBurst: one accept
    // per turn of a busy loop left a burst of clients (1,024 at once) in the
    // kernel's queue for seconds, their first requests with them (p99 of
    // 1-2 s and timeouts at 1,024 connections while the rest flowed).
    acceptor->non_blocking(true, ec);
    for (size_t n = 0; !ec && n < kAcceptBurst && !stopping.load(); ++n) {
      // The loop's turn passes only when a connection was taken: the
      // burst's last try finds none (would_block).
      Socket next(loops[next_loop]->ioc.get_executor());
      acceptor->accept(next, ec);
      if (!ec) {
        next_loop = (next_loop + 1) % loops.size();
        admit_connection(next);
      }
    }
    accept();
  });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  // A destructor must not throw; a failure to stop (a thread that cannot be
  // joined) leaves nothing to do at this point but to go on.
  try {
    stop(std::chrono::milliseconds(0));
  } catch (...) {
  }
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ServerOptions& options, Handler handler,
                                                      ErrorResponder errors,
                                                      std::vector<WsEndpoint> websockets,
                                                      Admit admit) {
  auto impl = std::make_unique<Impl>(options);
  impl->websockets = std::move(websockets);
  impl->handler = std::move(handler);
  impl->admit = std::move(admit);
  impl->errors = std::move(errors);
  const size_t colon = options.address.rfind(':');
  if (colon == std::string::npos)
    return Status::invalid_argument("--http-address must be HOST:PORT, got " + options.address);
  beast::error_code ec;
  const auto host = net::ip::make_address(options.address.substr(0, colon), ec);
  if (ec)
    return Status::invalid_argument("--http-address: not an IP address: " + options.address);
  int port = 0;
  try {
    port = std::stoi(options.address.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    return Status::invalid_argument("--http-address: bad port in " + options.address);
  const tcp::endpoint endpoint(host, static_cast<uint16_t>(port));
  const int threads = std::max(1, options.threads);
  for (int i = 0; i < threads; ++i)
    impl->loops.push_back(std::make_unique<Impl::Loop>());
  impl->acceptor = std::make_unique<tcp::acceptor>(impl->loops[0]->ioc);
  impl->accept_retry = std::make_unique<net::steady_timer>(impl->loops[0]->ioc);
  impl->acceptor->open(endpoint.protocol(), ec);
  if (!ec)
    impl->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    impl->acceptor->bind(endpoint, ec);
  if (!ec)
    impl->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::io_error("cannot listen on " + options.address + ": " + ec.message());
  impl->accept();
  for (int i = 0; i < threads; ++i)
    impl->threads.emplace_back([loop = impl->loops[static_cast<size_t>(i)].get(), i] {
      name_this_thread("http-io-" + std::to_string(i));
      loop->ioc.run();
    });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor->local_endpoint(ec);
  return ec ? 0 : ep.port();
}

size_t HttpServer::websocket_clients() const {
  return impl_->ws_clients.load();
}

size_t HttpServer::connections() const {
  return impl_->ledger.total();
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  if (impl_->threads.empty())
    return;
  impl_->stopping.store(true);
  net::post(impl_->loops[0]->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
  });
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Let the last answers reach their sockets before the loop stops.
  std::this_thread::sleep_for(std::chrono::milliseconds(grace.count() > 0 ? 50 : 0));
  for (auto& loop : impl_->loops)
    loop->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
}

}  // namespace orderly::api::http
