// `orderly serve --tls-cert --tls-key`: HTTPS and wss:// against a real
// server, with a CA and certificates made by the `openssl` command line,
// checked by curl, `openssl s_client` and a Beast client over OpenSSL that
// verifies the server against that CA. Certificates reloaded on SIGHUP.
#include <doctest/doctest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/support/account_mail.h"
#include "tests/support/orderly_binary.h"
#include "tests/support/orderly_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

using namespace orderly::testing;

namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void write_file(const std::string& path, const std::string& text) {
  // Written beside and renamed over: the server never reads half a file.
  std::ofstream(path + ".new", std::ios::binary) << text;
  std::filesystem::rename(path + ".new", path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `argv` run to its end with stdout and stderr together.
RunResult run_all(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) {
    line += " '";
    for (char c : a)
      line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += "'";
  }
  return run_command({"/bin/sh", "-c", "exec" + line + " 2>&1 </dev/null"});
}

// A test CA and server certificates it signs (ECDSA P-256), for 127.0.0.1
// and localhost, made with the openssl command line.
class Pki {
 public:
  Pki() {
    auto made = run_all({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir_.sub("ca.key"),
                         "-out", ca(), "-days", "2", "-subj", "/CN=Orderly Test CA"});
    REQUIRE_MESSAGE(made.exit_code == 0, made.output);
    std::ofstream(dir_.sub("server.ext")) << "basicConstraints=CA:FALSE\n"
                                             "keyUsage=digitalSignature\n"
                                             "extendedKeyUsage=serverAuth\n"
                                             "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  }
  std::string ca() const { return dir_.sub("ca.pem"); }
  std::string path(const std::string& name) const { return dir_.sub(name); }

  struct Pair {
    std::string cert, key;
  };
  // A certificate with CN `name` and serial `serial` (hex), and its key.
  Pair issue(const std::string& name, const std::string& serial) const {
    const Pair p{dir_.sub(name + ".pem"), dir_.sub(name + ".key")};
    auto req = run_all({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", p.key, "-out",
                        dir_.sub(name + ".csr"), "-subj", "/CN=" + name});
    REQUIRE_MESSAGE(req.exit_code == 0, req.output);
    auto sign = run_all({"openssl", "x509", "-req", "-in", dir_.sub(name + ".csr"), "-CA", ca(),
                         "-CAkey", dir_.sub("ca.key"), "-set_serial", "0x" + serial, "-days", "2",
                         "-out", p.cert, "-extfile", dir_.sub("server.ext")});
    REQUIRE_MESSAGE(sign.exit_code == 0, sign.output);
    return p;
  }

 private:
  TempDir dir_;
};

// An HTTPS/1.1 client over one keep-alive connection that verifies the
// server against `ca` for the name `host`, and never reconnects: a
// request on a connection the server closed fails (status 0).
class TlsClient {
 public:
  TlsClient(uint16_t port, const std::string& ca, const std::string& host = "127.0.0.1")
      : host_(host) {
    ctx_.load_verify_file(ca);
    ctx_.set_verify_mode(ssl::verify_peer);
    stream_.emplace(ioc_, ctx_);
    stream_->set_verify_callback(ssl::host_name_verification(host));
    beast::error_code ec;
    auto& tcp_stream = beast::get_lowest_layer(*stream_);
    tcp_stream.expires_after(10s);
    tcp_stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    if (!ec)
      stream_->handshake(ssl::stream_base::client, ec);
    connected_ = !ec;
    error_ = ec.message();
  }
  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }

  // The server certificate's common name and serial (hex), as
  // "orderly-a/A1".
  std::string peer() {
    X509* cert = SSL_get1_peer_certificate(stream_->native_handle());
    if (cert == nullptr)
      return "";
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    char* hex = BN_bn2hex(bn);
    std::string out = std::string(cn) + "/" + hex;
    OPENSSL_free(hex);
    BN_free(bn);
    X509_free(cert);
    return out;
  }
  std::string protocol() { return SSL_get_version(stream_->native_handle()); }

  struct Answer {
    int status = 0;
    std::string body, hsts;
  };
  Answer get(const std::string& target) {
    Answer a;
    if (!connected_)
      return a;
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, host_);
    beast::error_code ec;
    beast::get_lowest_layer(*stream_).expires_after(10s);
    http::write(*stream_, req, ec);
    http::response<http::string_body> res;
    if (!ec)
      http::read(*stream_, buffer_, res, ec);
    if (ec)
      return a;
    a.status = static_cast<int>(res.result_int());
    a.body = res.body();
    a.hsts = std::string(res[http::field::strict_transport_security]);
    return a;
  }

 private:
  std::string host_;
  net::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_client};
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
  std::string error_;
};

// curl's answer to an HTTPS request: its exit status, the status line and
// headers (lower-case), the body.
struct Curl {
  int exit_code = 0;
  std::string head, body;
};
Curl curl(std::vector<std::string> args) {
  // -w: a last newline, as run_command reads whole lines.
  std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "-i", "--max-time", "20", "-w", "\n"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv);
  Curl c{r.exit_code, "", ""};
  const size_t end = r.output.find("\r\n\r\n");
  c.head = lower(r.output.substr(0, end));
  if (end != std::string::npos)
    c.body = r.output.substr(end + 4);
  return c;
}

// A JSON request through curl, verified against `ca`.
json::value curl_json(const std::string& ca, const std::string& method, const std::string& url,
                      const std::string& token = "", const std::string& body = "") {
  std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "--max-time", "20", "-w", "\n"};
  argv.insert(argv.end(), {"--cacert", ca, "-X", method});
  if (!token.empty())
    argv.insert(argv.end(), {"-H", "Authorization: Bearer " + token});
  if (!body.empty())
    argv.insert(argv.end(), {"-H", "Content-Type: application/json", "--data-binary", body});
  argv.push_back(url);
  auto r = run_command(argv);
  REQUIRE_MESSAGE(r.exit_code == 0, "curl " << url << " failed");
  boost::system::error_code ec;
  auto v = json::parse(r.output, ec);
  REQUIRE_MESSAGE(!ec, r.output);
  return v;
}

std::string https(const OrderlyServer& s, const std::string& path) {
  return "https://127.0.0.1:" + std::to_string(s.port()) + path;
}

std::vector<std::string> tls_flags(const Pki::Pair& p) {
  return {"--tls-cert", p.cert, "--tls-key", p.key};
}

}  // namespace

TEST_CASE(
    "tls: curl verifies the server through the test CA and sees HSTS, old TLS and plain "
    "HTTP get no answer") {
  Pki pki;
  const auto a = pki.issue("orderly-a", "A1");
  OrderlyServer server(tls_flags(a), {.log_file = "serve.log"});
  CHECK(server.stdout_lines().back().find("https://127.0.0.1:") != std::string::npos);

  auto health = curl({"--cacert", pki.ca(), https(server, "/health")});
  REQUIRE_MESSAGE(health.exit_code == 0, health.head);
  CHECK(health.head.starts_with("http/1.1 200"));
  CHECK(health.head.find("strict-transport-security: max-age=63072000") != std::string::npos);
  CHECK(health.body.find("\"status\"") != std::string::npos);
  // The name in the certificate, and an answer that is not a 200, alike.
  auto missing = curl({"--cacert", pki.ca(),
                       "https://localhost:" + std::to_string(server.port()) + "/api/nowhere"});
  REQUIRE(missing.exit_code == 0);
  CHECK(missing.head.starts_with("http/1.1 404"));
  CHECK(missing.head.find("strict-transport-security: max-age=63072000") != std::string::npos);

  // Not trusted without the CA: the verification is real.
  CHECK(curl({https(server, "/health")}).exit_code == 60);
  // TLS 1.2 and 1.3 both; 1.0 and 1.1 not, even from a client that allows
  // them (OpenSSL's security level 0 on the client's side).
  CHECK(curl({"--cacert", pki.ca(), "--tlsv1.3", https(server, "/health")}).exit_code == 0);
  CHECK(curl({"--cacert", pki.ca(), "--tlsv1.2", "--tls-max", "1.2", https(server, "/health")})
            .exit_code == 0);
  CHECK(curl({"--cacert", pki.ca(), "--tlsv1", "--tls-max", "1.1", "--ciphers",
              "DEFAULT@SECLEVEL=0", https(server, "/health")})
            .exit_code != 0);
  // A TLS 1.2 cipher outside Mozilla's intermediate list (no forward
  // secrecy) is refused, and an intermediate one taken.
  const std::string at = "127.0.0.1:" + std::to_string(server.port());
  auto weak = run_all({"openssl", "s_client", "-connect", at, "-tls1_2", "-cipher",
                       "AES128-GCM-SHA256", "-CAfile", pki.ca()});
  CHECK(weak.exit_code != 0);
  CHECK(weak.output.find("Cipher is (NONE)") != std::string::npos);
  auto strong = run_all({"openssl", "s_client", "-connect", at, "-tls1_2", "-cipher",
                         "ECDHE-ECDSA-AES128-GCM-SHA256", "-CAfile", pki.ca()});
  CHECK_MESSAGE(strong.output.find("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256") != std::string::npos,
                strong.output);
  CHECK(strong.output.find("Compression: NONE") != std::string::npos);
  TlsClient tls12(server.port(), pki.ca());
  REQUIRE_MESSAGE(tls12.connected(), tls12.error());
  CHECK((tls12.protocol() == "TLSv1.3" || tls12.protocol() == "TLSv1.2"));

  // Plain HTTP on the TLS port: no answer at all, and no 200 for curl.
  HttpClient plain(server.port());
  plain.set_timeout(10s);
  CHECK(plain.request("GET", "/health").status != 200);
  auto plain_curl = curl({"http://127.0.0.1:" + std::to_string(server.port()) + "/health"});
  CHECK(plain_curl.head.find(" 200") == std::string::npos);
  // A client that starts a handshake and stalls is cut off at the request
  // timeout (10 s), as a slow request is: raw() returns when the server
  // closes, or after 40 s.
  const auto stalled_at = std::chrono::steady_clock::now();
  HttpClient::raw(server.port(), std::string("\x16\x03\x01", 3), 40'000);
  CHECK(std::chrono::steady_clock::now() - stalled_at < 30s);
  // And the server still serves HTTPS after those.
  CHECK(TlsClient(server.port(), pki.ca()).get("/health").status == 200);
}

TEST_CASE("tls: the default public URL is https, so are the links in emails") {
  Pki pki;
  const auto a = pki.issue("orderly-a", "A1");
  OrderlyServer server(tls_flags(a), {.log_file = "serve.log"});
  const std::string base = "https://127.0.0.1:" + std::to_string(server.port());
  auto reg =
      curl_json(pki.ca(), "POST", https(server, "/api/auth/register"), "",
                R"({"username":"ada","email":"ada@example.com","password":"password-of-ada"})");
  REQUIRE(reg.as_object().contains("access_token"));
  // The verification email links to the shop's page at the public URL.
  const std::string outbox = server.data_dir() + "/outbox";
  std::string link_mail;
  CHECK(poll_until(
      [&] {
        for (const auto& text : eml_texts(outbox)) {
          if (qp_decoded(text).find(base + "/#/verify-email") != std::string::npos)
            link_mail = text;
        }
        return !link_mail.empty();
      },
      30s, 50ms));
  for (const auto& text : eml_texts(outbox))
    CHECK(qp_decoded(text).find("http://127.0.0.1") == std::string::npos);
}

TEST_CASE("tls: the live feed over wss:// on the WebSocket route, verified against the CA") {
  Pki pki;
  const auto a = pki.issue("orderly-a", "A1");
  OrderlyServer server(tls_flags(a), {.log_file = "serve.log"});
  auto reg =
      curl_json(pki.ca(), "POST", https(server, "/api/auth/register"), "",
                R"({"username":"bob","email":"bob@example.com","password":"password-of-bob"})");
  const std::string token = std::string(reg.at("access_token").as_string());

  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(pki.ca());
  ctx.set_verify_mode(ssl::verify_peer);
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
  ws.next_layer().set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  beast::error_code ec;
  beast::get_lowest_layer(ws).expires_after(30s);
  beast::get_lowest_layer(ws).connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()), ec);
  REQUIRE(!ec);
  ws.next_layer().handshake(ssl::stream_base::client, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  websocket::response_type res;
  ws.handshake(res, "127.0.0.1", "/ws/notifications?access_token=" + token, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  CHECK(res.result_int() == 101);
  CHECK(res[http::field::strict_transport_security] == "max-age=63072000");
  beast::get_lowest_layer(ws).expires_never();

  // Bob orders a product of the demo catalog: the feed says so, over TLS.
  auto products = curl_json(pki.ca(), "GET", https(server, "/api/products"));
  const auto& items = products.at("items").as_array();
  REQUIRE(!items.empty());
  const std::string product = std::string(items[0].at("id").as_string());
  auto placed = curl_json(pki.ca(), "POST", https(server, "/api/orders"), token,
                          R"({"items":[{"product_id":")" + product + R"(","quantity":1}]})");
  const std::string order = std::string(placed.at("order").at("id").as_string());

  beast::flat_buffer buffer;
  bool done = false;
  beast::error_code read_ec;
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (seen.find(order) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    done = false;
    buffer.clear();
    ws.async_read(buffer, [&](beast::error_code e, size_t) {
      read_ec = e;
      done = true;
    });
    ioc.restart();
    while (!done && std::chrono::steady_clock::now() < deadline)
      ioc.run_for(1s);
    if (!done || read_ec)
      break;
    seen = beast::buffers_to_string(buffer.data());
  }
  CHECK(seen.find("order.created") != std::string::npos);
  CHECK(seen.find(order) != std::string::npos);
  ws.close(websocket::close_code::normal, ec);

  // ws:// (no TLS) to the same port gets no upgrade.
  net::io_context plain_ioc;
  websocket::stream<beast::tcp_stream> plain(plain_ioc);
  beast::get_lowest_layer(plain).expires_after(10s);
  beast::get_lowest_layer(plain).connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()), ec);
  websocket::response_type plain_res;
  if (!ec)
    plain.handshake(plain_res, "127.0.0.1", "/ws/notifications?access_token=" + token, ec);
  CHECK(ec);
  CHECK(plain_res.result_int() != 101);
}

TEST_CASE(
    "tls: SIGHUP puts a new certificate on new connections while one opened before goes "
    "on, and a bad one is refused") {
  Pki pki;
  const auto a = pki.issue("orderly-a", "A1");
  const auto b = pki.issue("orderly-b", "B2");
  // The files the server is given, replaced in place later.
  const std::string cert = pki.path("live.pem"), key = pki.path("live.key");
  write_file(cert, read_file(a.cert));
  write_file(key, read_file(a.key));
  OrderlyServer server({"--tls-cert", cert, "--tls-key", key}, {.log_file = "serve.log"});

  TlsClient before(server.port(), pki.ca());
  REQUIRE_MESSAGE(before.connected(), before.error());
  CHECK(before.peer() == "orderly-a/A1");
  REQUIRE(before.get("/health").status == 200);

  auto sighup = [&] { REQUIRE(::kill(server.pid(), SIGHUP) == 0); };
  auto logged = [&](const std::string& what, size_t times) {
    return poll_until(
        [&] {
          const std::string log = server.log_tail(1 << 20);
          size_t n = 0;
          for (size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1))
            ++n;
          return n >= times;
        },
        30s, 20ms);
  };

  // A bad certificate file: the reload fails, said in the log, and the old
  // certificate goes on serving new connections.
  write_file(cert, "not a certificate\n");
  sighup();
  CHECK(logged("TLS certificate not reloaded", 1));
  CHECK(server.log_tail(1 << 20).find("no PEM certificate in the TLS certificate file " + cert) !=
        std::string::npos);
  {
    TlsClient after_bad(server.port(), pki.ca());
    REQUIRE_MESSAGE(after_bad.connected(), after_bad.error());
    CHECK(after_bad.peer() == "orderly-a/A1");
    CHECK(after_bad.get("/health").status == 200);
  }
  // The new certificate with the old key: refused too.
  write_file(cert, read_file(b.cert));
  sighup();
  CHECK(logged("TLS certificate not reloaded", 2));
  CHECK(server.log_tail(1 << 20).find("does not match the certificate") != std::string::npos);
  CHECK(TlsClient(server.port(), pki.ca()).peer() == "orderly-a/A1");

  // Both new files: new connections get the new certificate.
  write_file(key, read_file(b.key));
  sighup();
  CHECK(logged("TLS certificate reloaded", 1));
  CHECK(poll_until([&] { return TlsClient(server.port(), pki.ca()).peer() == "orderly-b/B2"; }, 30s,
                   20ms));
  TlsClient after(server.port(), pki.ca());
  REQUIRE_MESSAGE(after.connected(), after.error());
  CHECK(after.get("/health").status == 200);
  // openssl s_client sees it too, verified against the CA.
  auto s_client =
      run_all({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()),
               "-CAfile", pki.ca(), "-verify_return_error", "-verify_ip", "127.0.0.1"});
  CHECK(s_client.output.find("CN = orderly-b") != std::string::npos);
  CHECK(s_client.output.find("Verify return code: 0 (ok)") != std::string::npos);

  // The connection opened before the reloads still answers, on its old
  // certificate, without reconnecting.
  CHECK(before.get("/health").status == 200);
  CHECK(before.peer() == "orderly-a/A1");
  CHECK(server.stop() == 0);
}

TEST_CASE("tls: bad TLS flags or files at start are refused with a message naming the file") {
  Pki pki;
  const auto a = pki.issue("orderly-a", "A1");
  const auto b = pki.issue("orderly-b", "B2");
  TempDir dir;
  auto serve = [&](std::vector<std::string> flags, std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {"env"};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.insert(argv.end(), {orderly_binary(), "serve", "--data-dir", dir.sub("data"),
                             "--http-address", "127.0.0.1:0", "--log-format", "text"});
    argv.insert(argv.end(), flags.begin(), flags.end());
    return run_all(argv);
  };
  auto refused = [](const RunResult& r, const std::string& says) {
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.output.find(says) != std::string::npos, r.output);
  };
  refused(serve({"--tls-cert", a.cert}), "--tls-cert and --tls-key go together");
  refused(serve({"--tls-key", a.key}), "--tls-cert and --tls-key go together");
  refused(serve({}, {"ORDERLY_TLS_CERT=" + a.cert}), "--tls-cert and --tls-key go together");
  refused(serve({"--tls-cert", dir.sub("nowhere.pem"), "--tls-key", a.key}),
          "cannot read the TLS certificate file " + dir.sub("nowhere.pem") +
              ": No such file or directory");
  refused(serve({"--tls-cert", a.cert, "--tls-key", dir.sub("nowhere.key")}),
          "cannot read the TLS key file " + dir.sub("nowhere.key"));
  refused(serve({"--tls-cert", a.key, "--tls-key", a.key}),
          "no PEM certificate in the TLS certificate file " + a.key);
  refused(serve({"--tls-cert", a.cert, "--tls-key", a.cert}),
          "no unencrypted PEM private key in the TLS key file " + a.cert);
  refused(serve({"--tls-cert", a.cert, "--tls-key", b.key}),
          "the private key in " + b.key + " does not match the certificate in " + a.cert);
  // An encrypted key is refused, never a passphrase prompt.
  const std::string encrypted = dir.sub("encrypted.key");
  auto enc = run_all(
      {"openssl", "pkey", "-in", a.key, "-aes256", "-passout", "pass:secret", "-out", encrypted});
  REQUIRE(enc.exit_code == 0);
  refused(serve({"--tls-cert", a.cert, "--tls-key", encrypted}),
          "no unencrypted PEM private key in the TLS key file " + encrypted);
  // And both through the environment start the server (stopped at once).
  OrderlyServer from_env({}, {.start = false});
  setenv("ORDERLY_TLS_CERT", a.cert.c_str(), 1);
  setenv("ORDERLY_TLS_KEY", a.key.c_str(), 1);
  from_env.start();
  unsetenv("ORDERLY_TLS_CERT");
  unsetenv("ORDERLY_TLS_KEY");
  CHECK(from_env.stdout_lines().back().find("https://127.0.0.1:") != std::string::npos);
  CHECK(TlsClient(from_env.port(), pki.ca()).get("/health").status == 200);
}

TEST_CASE("tls: without TLS, SIGHUP is logged and the server goes on serving plain HTTP") {
  OrderlyServer server({}, {.log_file = "serve.log"});
  CHECK(server.stdout_lines().back().find("http://127.0.0.1:") != std::string::npos);
  REQUIRE(::kill(server.pid(), SIGHUP) == 0);
  CHECK(poll_until(
      [&] {
        return server.log_tail().find("nothing to reload (no --tls-cert)") != std::string::npos;
      },
      30s, 20ms));
  auto health = server.client().request("GET", "/health");
  CHECK(health.status == 200);
  CHECK(health.header("strict-transport-security").empty());
  CHECK(server.stop() == 0);
}
