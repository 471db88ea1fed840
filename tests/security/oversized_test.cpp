// Oversized and lying requests against a real `orderly serve`, beyond the
// plain 2 MiB body and 64 KiB header of tests/api/rest/errors_test.cpp: chunked
// bodies with no length, lengths of 10 GiB, conflicting framing (request
// smuggling), many small headers, a long URL, JSON nested 30,000 deep and
// orders of 800 and 10,000 lines. Each is refused with its status; none
// crashes or wedges the server.
#include <doctest/doctest.h>

#include "tests/security/checks.h"
#include "tests/security/raw_connection.h"

using namespace orderly::testing;

namespace {

using Clock = std::chrono::steady_clock;

std::string code_in(const RawResponse& r) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(r.body, ec);
  return !ec && v.is_object() && v.as_object().contains("code") ? str(v, "code") : "";
}

}  // namespace

TEST_CASE(
    "oversized: chunked and lying bodies, many headers, long URLs: 413, 431, 400, never a crash") {
  OrderlyServer server;
  const std::string post =
      "POST /api/analytics/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";

  SUBCASE("a chunked body past 1 MiB, with no length announced: 413") {
    RawConnection c(server.port());
    REQUIRE(c.send(post + "Transfer-Encoding: chunked\r\n\r\n"));
    const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";  // 64 KiB
    int sent = 0;
    while (sent < 64 && c.send(chunk))  // up to 4 MiB, until the server stops reading
      ++sent;
    auto r = c.read_response(std::chrono::seconds(30));
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(code_in(*r) == "payload_too_large");
  }
  SUBCASE("Content-Length: 10 GiB: 413 at once, before any body") {
    const auto t0 = Clock::now();
    auto r = raw_exchange(server.port(), post + "Content-Length: 10737418240\r\n\r\n");
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(code_in(*r) == "payload_too_large");
    CHECK(Clock::now() - t0 < std::chrono::seconds(5));
  }
  SUBCASE("framing a proxy and the server could read differently: 400") {
    for (const std::string& framing :
         {std::string("Content-Length: 99999999999999999999999999\r\n\r\n"),
          std::string("Content-Length: -1\r\n\r\n"),
          std::string("Content-Length: 2\r\nContent-Length: 7\r\n\r\n{}"),
          std::string("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
          std::string("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n"),
          std::string("Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")}) {
      CAPTURE(framing);
      auto r = raw_exchange(server.port(), post + framing);
      REQUIRE(r);
      CHECK(r->status == 400);
      CHECK(r->header("connection") == "close");
    }
  }
  SUBCASE("1,500 small headers, and a 20 KiB URL: 431") {
    std::string many = "GET /health HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 1500; ++i)
      many += "X-H-" + std::to_string(i) + ": v\r\n";
    auto headers = raw_exchange(server.port(), many + "\r\n");
    REQUIRE(headers);
    CHECK(headers->status == 431);
    auto url = raw_exchange(server.port(), "GET /api/products?q=" + std::string(20 << 10, 'a') +
                                               " HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(url);
    CHECK(url->status == 431);
  }
  SUBCASE("JSON nested 30,000 deep and orders of 800 and 10,000 lines: refused, quickly") {
    // Deep and long, yet within the 64 KiB a customer's body may bring
    // (issue 19): the parser and the validation refuse them.
    HttpClient c = server.client();
    const auto t0 = Clock::now();
    auto deep = c.send("POST", "/api/analytics/events", "",
                       std::string(30000, '[') + std::string(30000, ']'));
    CHECK(is_problem(deep, 400, "malformed_json"));
    std::string nested;
    for (int i = 0; i < 10000; ++i)
      nested += R"({"a":)";
    auto deep_object =
        c.send("POST", "/api/analytics/events", "",
               R"({"type":"search","query":)" + nested + "1" + std::string(10000, '}') + "}");
    CHECK(is_problem(deep_object, 400, "malformed_json"));
    const Session ada = server.register_user("ada");
    const std::string cup = product_id(c, "espresso");
    auto order_of = [&](int n) {
      std::string lines;
      for (int i = 0; i < n; ++i)
        lines += std::string(i ? "," : "") + R"({"product_id":")" + cup + R"(","quantity":1})";
      return R"({"items":[)" + lines + "]}";
    };
    auto long_order = c.send("POST", "/api/orders", ada.access_token, order_of(800));
    CHECK(is_problem(long_order, 422, "validation_failed"));
    CHECK(long_order.body.size() < 4096);  // one error for the count, not 800
    // Past the route's limit: refused from its Content-Length, unread.
    auto huge_order = c.send("POST", "/api/orders", ada.access_token, order_of(10000));
    CHECK(is_problem(huge_order, 413, "payload_too_large"));
    CHECK(Clock::now() - t0 < std::chrono::seconds(20));
    CHECK(num(c.send("GET", "/api/orders", ada.access_token).json(), "total") == 0);
  }
  // Whatever was thrown at it, it answers.
  CHECK(server.client().request("GET", "/health").status == 200);
}
