// HTTP/1.1 as RFC 9112 and RFC 9110 frame it, against a real `orderly
// serve` (issue 19): a Transfer-Encoding the server cannot decode was taken
// as an empty body and its bytes answered as the next request (request
// smuggling); HEAD, mixed-case media types, Date and absolute-form targets
// were not handled.
#include <doctest/doctest.h>

#include "tests/security/checks.h"
#include "tests/security/raw_connection.h"

using namespace orderly::testing;

namespace {

using namespace std::chrono_literals;

// A request for a path no route has: answered 404 if it is ever parsed as
// a request of its own.
const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

}  // namespace

TEST_CASE(
    "protocol: a Transfer-Encoding other than chunked alone is 400 and closes the connection") {
  OrderlyServer server;
  for (const std::string coding : {"gzip", "identity", "compress", "deflate", "chunked, gzip",
                                   "gzip, chunked", "xchunked", "chunked, chunked", ""}) {
    CAPTURE(coding);
    RawConnection c(server.port());
    REQUIRE(
        c.send("POST /api/analytics/events HTTP/1.1\r\nHost: x\r\nContent-Type: "
               "application/json\r\nTransfer-Encoding: " +
               coding + "\r\n\r\n" + kSmuggled));
    auto r = c.read_response(30s);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body.find("\"code\":\"malformed_request\"") != std::string::npos);
    CHECK(r->header("connection") == "close");
    // Nothing more: the smuggled request is never answered.
    CHECK(c.closed_within(10s));
    CHECK(c.received().find("HTTP/1.1") == std::string::npos);
  }
  // Plain chunked is still read.
  RawConnection c(server.port());
  const std::string view = R"({"type":"search","query":"espresso"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", view.size());
  REQUIRE(
      c.send("POST /api/analytics/events HTTP/1.1\r\nHost: x\r\nContent-Type: "
             "application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
             std::string(size) + "\r\n" + view + "\r\n0\r\n\r\n"));
  auto r = c.read_response(30s);
  REQUIRE(r);
  CHECK(r->status == 202);
}

TEST_CASE("protocol: an HTTP/1.1 request without exactly one Host is 400") {
  OrderlyServer server;
  for (const std::string& head :
       {std::string("GET /health HTTP/1.1\r\n\r\n"),
        std::string("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")}) {
    CAPTURE(head);
    auto r = raw_exchange(server.port(), head);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body.find("Host") != std::string::npos);
  }
  // HTTP/1.0 needs none.
  auto old = raw_exchange(server.port(), "GET /health HTTP/1.0\r\n\r\n");
  REQUIRE(old);
  CHECK(old->status == 200);
}

TEST_CASE("protocol: HEAD answers GET's headers without the body") {
  OrderlyServer server;
  auto get = raw_exchange(server.port(), "GET /api/products HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(get);
  REQUIRE(get->status == 200);
  // HEAD then GET on one connection: the HEAD answer has no body, so the
  // GET answer follows its blank line at once.
  RawConnection c(server.port());
  REQUIRE(
      c.send("HEAD /api/products HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: "
             "x\r\n\r\n"));
  CHECK_FALSE(c.closed_within(2s));
  const std::string got = c.received();
  const size_t end_of_head = got.find("\r\n\r\n");
  REQUIRE(end_of_head != std::string::npos);
  RawResponse head;
  head.head = got.substr(0, end_of_head + 2);
  CHECK(head.head.starts_with("HTTP/1.1 200"));
  CHECK(head.header("content-type") == "application/json");
  CHECK(head.header("content-length") == std::to_string(get->body.size()));
  CHECK(got.substr(end_of_head + 4).starts_with("HTTP/1.1 200"));
}

TEST_CASE("protocol: media types compare case-insensitively") {
  OrderlyServer server;
  HttpClient c = server.client();
  for (const std::string type : {"Application/JSON; Charset=UTF-8", "APPLICATION/JSON",
                                 "application/json ; charset=utf-8"}) {
    CAPTURE(type);
    auto r = c.request("POST", "/api/analytics/events", R"({"type":"search","query":"espresso"})",
                       {{"Content-Type", type}});
    CHECK(r.status == 202);
  }
  auto text = c.request("POST", "/api/analytics/events", R"({"type":"search","query":"espresso"})",
                        {{"Content-Type", "text/plain"}});
  CHECK(is_problem(text, 415, "unsupported_media_type"));
}

TEST_CASE("protocol: every answer has a Date, refusals before any handler too") {
  OrderlyServer server;
  for (const std::string& request :
       {std::string("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("POST /api/analytics/events HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    "10737418240\r\n\r\n"),
        std::string("GET /health HTTP/1.1\r\nHost: x\r\nBad header\r\n\r\n")}) {
    CAPTURE(request);
    auto r = raw_exchange(server.port(), request);
    REQUIRE(r);
    const std::string date = r->header("date");
    // IMF-fixdate: "Sun, 06 Dec 2026 14:05:37 GMT".
    CHECK(date.size() == 29);
    CHECK(date.ends_with(" GMT"));
  }
}

TEST_CASE("protocol: an absolute-form target is served from its path") {
  OrderlyServer server;
  auto r = raw_exchange(server.port(),
                        "GET http://shop.example/api/products?per_page=1 HTTP/1.1\r\nHost: "
                        "shop.example\r\n\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  const auto v = boost::json::parse(r->body);
  CHECK(num(v, "per_page") == 1);
  auto health = raw_exchange(server.port(),
                             "GET HTTP://shop.example/health HTTP/1.1\r\nHost: "
                             "shop.example\r\n\r\n");
  REQUIRE(health);
  CHECK(health->status == 200);
}

namespace {

// GET /health from `source` with these extra header lines: the status.
int health_from(uint16_t port, const std::string& source, const std::string& headers) {
  RawConnection c(port, source);
  if (!c.send("GET /health HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n"))
    return 0;
  auto r = c.read_response(30s);
  return r ? r->status : 0;
}

// Requests until the first 429 (at most `max`): how many were served.
int served_until_limited(uint16_t port, const std::string& source, const std::string& headers,
                         int max = 40) {
  for (int i = 0; i < max; ++i) {
    if (health_from(port, source, headers) == 429)
      return i;
  }
  return max;
}

}  // namespace

TEST_CASE("protocol: X-Forwarded-For from a peer that is no trusted proxy is ignored") {
  // 2 a second, a burst of 4: a made-up forwarded address per request
  // must not make a new bucket.
  OrderlyServer server({"--rate-limit-ip", "2/s"});
  int served = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string spoof = "203.0.113." + std::to_string(i + 1);
    served +=
        health_from(server.port(), "127.0.0.1",
                    "X-Forwarded-For: " + spoof + "\r\nForwarded: for=" + spoof + "\r\n") == 200;
  }
  CHECK(served <= 6);
}

TEST_CASE("protocol: behind a trusted proxy, each forwarded client has its own rate limit") {
  OrderlyServer server(
      {"--rate-limit-ip", "2/s", "--trusted-proxy", "127.0.0.1/32,::1", "--rate-limit-user", "0"});
  // One forwarded client uses up its bucket ...
  const int first =
      served_until_limited(server.port(), "127.0.0.1", "X-Forwarded-For: 198.51.100.1\r\n");
  CHECK(first >= 4);
  CHECK(first <= 6);
  // ... another, through the same proxy, has its own.
  CHECK(health_from(server.port(), "127.0.0.1", "X-Forwarded-For: 198.51.100.2\r\n") == 200);
  CHECK(health_from(server.port(), "127.0.0.1", "Forwarded: for=\"198.51.100.3:4711\"\r\n") == 200);
  // What a client wrote itself, left of the proxy's entry, is not taken.
  CHECK(health_from(server.port(), "127.0.0.1", "X-Forwarded-For: 203.0.113.9, 198.51.100.1\r\n") ==
        429);
  // A peer that is no trusted proxy is its own client, whatever it says.
  const int untrusted =
      served_until_limited(server.port(), "127.0.0.2", "X-Forwarded-For: 198.51.100.4\r\n");
  CHECK(untrusted <= 6);
  CHECK(health_from(server.port(), "127.0.0.2", "X-Forwarded-For: 198.51.100.5\r\n") == 429);
}
