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
  ServerUnderTest server;
  for (const std::string coding : {"gzip", "identity", "compress", "deflate", "chunked, gzip",
                                   "gzip, chunked", "xchunked", "chunked, chunked", ""}) {
    CAPTURE(coding);
    RawConnection c(server.port);
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
  RawConnection c(server.port);
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
  ServerUnderTest server;
  for (const std::string& head :
       {std::string("GET /health HTTP/1.1\r\n\r\n"),
        std::string("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")}) {
    CAPTURE(head);
    auto r = raw_exchange(server.port, head);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body.find("Host") != std::string::npos);
  }
  // HTTP/1.0 needs none.
  auto old = raw_exchange(server.port, "GET /health HTTP/1.0\r\n\r\n");
  REQUIRE(old);
  CHECK(old->status == 200);
}

TEST_CASE("protocol: HEAD answers GET's headers without the body") {
  ServerUnderTest server;
  auto get = raw_exchange(server.port, "GET /api/products HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(get);
  REQUIRE(get->status == 200);
  // HEAD then GET on one connection: the HEAD answer has no body, so the
  // GET answer follows its blank line at once.
  RawConnection c(server.port);
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
  ServerUnderTest server;
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
  ServerUnderTest server;
  for (const std::string& request :
       {std::string("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("POST /api/analytics/events HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    "10737418240\r\n\r\n"),
        std::string("GET /health HTTP/1.1\r\nHost: x\r\nBad header\r\n\r\n")}) {
    CAPTURE(request);
    auto r = raw_exchange(server.port, request);
    REQUIRE(r);
    const std::string date = r->header("date");
    // IMF-fixdate: "Sun, 06 Dec 2026 14:05:37 GMT".
    CHECK(date.size() == 29);
    CHECK(date.ends_with(" GMT"));
  }
}

TEST_CASE("protocol: an absolute-form target is served from its path") {
  ServerUnderTest server;
  auto r = raw_exchange(server.port,
                        "GET http://shop.example/api/products?per_page=1 HTTP/1.1\r\nHost: "
                        "shop.example\r\n\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  const auto v = boost::json::parse(r->body);
  CHECK(num(v, "per_page") == 1);
  auto health = raw_exchange(server.port,
                             "GET HTTP://shop.example/health HTTP/1.1\r\nHost: "
                             "shop.example\r\n\r\n");
  REQUIRE(health);
  CHECK(health->status == 200);
}
