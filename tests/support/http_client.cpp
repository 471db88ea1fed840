// The tests' only Beast translation unit.
#include "tests/support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <optional>

namespace orderly::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string HttpResult::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name)
      return v;
  }
  return {};
}

boost::json::value HttpResult::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value() : v;
}

struct HttpClient::Impl {
  uint16_t port;
  std::string source;  // "" = any
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  std::chrono::milliseconds io_timeout{0};  // 0: none

  bool connect() {
    stream.emplace(ioc);
    beast::error_code ec;
    if (!source.empty()) {
      stream->socket().open(tcp::v4(), ec);
      if (!ec)
        stream->socket().bind(tcp::endpoint(net::ip::make_address(source), 0), ec);
      if (ec) {
        stream.reset();
        return false;
      }
    }
    const tcp::endpoint to(net::ip::make_address("127.0.0.1"), port);
    if (io_timeout.count() > 0) {
      // Bounded (asynchronous, with the stream's expiry): a server frozen
      // with SIGSTOP, its backlog full, never completes the handshake.
      stream->expires_after(io_timeout);
      stream->async_connect(to, [&ec](beast::error_code e) { ec = e; });
      ioc.restart();
      ioc.run();
    } else {
      stream->connect(to, ec);
    }
    if (ec)
      stream.reset();
    return !ec;
  }
};

HttpClient::HttpClient(uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
}

HttpClient::HttpClient(uint16_t port, std::string source) : HttpClient(port) {
  impl_->source = std::move(source);
}

HttpClient::~HttpClient() = default;

void HttpClient::set_timeout(std::chrono::milliseconds timeout) {
  impl_->io_timeout = timeout;
  impl_->stream.reset();  // the next request connects with it
}

HttpResult HttpClient::request(const std::string& method, const std::string& target,
                               const std::string& body,
                               const std::vector<std::pair<std::string, std::string>>& headers) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->stream && !impl_->connect())
      return {};
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers)
      req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    // Read even when the write failed: a server may answer (413) and stop
    // reading before the body is all sent.
    beast::error_code read_ec;
    if (impl_->io_timeout.count() > 0) {
      // Asynchronous, so that the stream's expiry bounds it (the blocking
      // calls ignore it): a frozen server gets a timeout, status 0.
      impl_->stream->expires_after(impl_->io_timeout);
      http::async_write(*impl_->stream, req, [&](beast::error_code we, size_t) {
        ec = we;
        http::async_read(*impl_->stream, buffer, parser,
                         [&](beast::error_code re, size_t) { read_ec = re; });
      });
      impl_->ioc.restart();
      impl_->ioc.run();
    } else {
      impl_->stream->expires_after(std::chrono::seconds(60));
      http::write(*impl_->stream, req, ec);
      http::read(*impl_->stream, buffer, parser, read_ec);
    }
    if (!read_ec && parser.is_done())
      ec = {};
    else if (!ec)
      ec = read_ec;
    if (ec) {
      impl_->stream.reset();  // the server closed a kept-alive connection: once more
      continue;
    }
    auto& res = parser.get();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    if (!res.keep_alive())
      impl_->stream.reset();
    return out;
  }
  return {};
}

HttpResult HttpClient::send(const std::string& method, const std::string& target,
                            const std::string& token, const std::string& json_body,
                            std::vector<std::pair<std::string, std::string>> headers) {
  if (!json_body.empty())
    headers.emplace_back("Content-Type", "application/json");
  if (!token.empty())
    headers.emplace_back("Authorization", "Bearer " + token);
  return request(method, target, json_body, headers);
}

std::string HttpClient::raw(uint16_t port, const std::string& bytes, int timeout_ms) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec)
    return {};
  stream.expires_after(std::chrono::milliseconds(timeout_ms));
  net::write(stream, net::buffer(bytes), ec);
  std::string out;
  char buf[4096];
  while (true) {
    const size_t n = stream.read_some(net::buffer(buf), ec);
    out.append(buf, n);
    if (ec)
      break;
  }
  return out;
}

namespace websocket = beast::websocket;

struct WsClient::Impl {
  net::io_context ioc;
  std::optional<websocket::stream<beast::tcp_stream>> ws;
  // A read that timed out stays in flight and the next read() waits on it:
  // cancelling it would fail the stream (Beast closes a WebSocket on any
  // error of a read, cancellation included).
  bool reading = false;
  bool done = false;
  beast::error_code ec;
  beast::flat_buffer buffer;
};

WsClient::WsClient(uint16_t port, const std::string& target,
                   const std::vector<std::pair<std::string, std::string>>& headers,
                   int receive_buffer)
    : impl_(std::make_unique<Impl>()) {
  impl_->ws.emplace(impl_->ioc);
  beast::error_code ec;
  if (receive_buffer > 0) {
    auto& socket = beast::get_lowest_layer(*impl_->ws).socket();
    socket.open(tcp::v4(), ec);
    socket.set_option(net::socket_base::receive_buffer_size(receive_buffer), ec);
  }
  beast::get_lowest_layer(*impl_->ws).expires_after(std::chrono::seconds(30));
  beast::get_lowest_layer(*impl_->ws)
      .connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec)
    return;
  impl_->ws->set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [k, v] : headers)
      req.set(k, v);
  }));
  websocket::response_type res;
  impl_->ws->handshake(res, "127.0.0.1", target, ec);
  status_ = static_cast<int>(res.result_int());
  if (ec && status_ == 101)
    status_ = 0;
  // Reads have their own timeouts: the connect's expiry must not cut them
  // (an expired tcp_stream times out its next operation at once).
  beast::get_lowest_layer(*impl_->ws).expires_never();
}

WsClient::~WsClient() {
  if (impl_->ws && impl_->ws->is_open()) {
    // Closed asynchronously: a read may still be in flight (see read()),
    // and it ends when the server's close frame arrives.
    beast::get_lowest_layer(*impl_->ws).expires_after(std::chrono::seconds(2));
    impl_->ws->async_close(websocket::close_code::normal, [](beast::error_code) {});
    impl_->ioc.restart();
    impl_->ioc.run_for(std::chrono::seconds(3));
  }
}

std::optional<std::string> WsClient::read(std::chrono::milliseconds timeout) {
  if (status_ != 101)
    return std::nullopt;
  Impl& s = *impl_;
  if (!s.reading) {
    s.buffer.clear();
    s.done = false;
    s.reading = true;
    s.ws->async_read(s.buffer, [&s](beast::error_code e, size_t) {
      s.ec = e;
      s.done = true;
    });
  }
  s.ioc.restart();
  s.ioc.run_for(timeout);
  if (!s.done)
    return std::nullopt;  // still in flight: the next read() goes on waiting for it
  s.reading = false;
  if (s.ec) {
    close_code_ = s.ws->reason().code;
    return std::nullopt;
  }
  return beast::buffers_to_string(s.buffer.data());
}

}  // namespace orderly::testing
