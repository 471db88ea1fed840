// The HTTP server's plain-value rules (issue 19), without sockets: framing
// a proxy and the server could read differently, absolute-form targets,
// and which peers may name the client (IPv4 and IPv6).
#include <doctest/doctest.h>

#include "api/http/request_head.h"
#include "api/http/trusted_proxies.h"

using namespace orderly::api::http;

namespace {

Request head_with(std::vector<std::pair<std::string, std::string>> headers) {
  Request r;
  r.method = "POST";
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("request head: Transfer-Encoding must be chunked alone, Host exactly once on HTTP/1.1") {
  CHECK_FALSE(framing_error(head_with({{"host", "x"}}), 11));
  CHECK_FALSE(framing_error(head_with({{"host", "x"}, {"transfer-encoding", "chunked"}}), 11));
  CHECK_FALSE(framing_error(head_with({{"host", "x"}, {"transfer-encoding", " Chunked "}}), 11));
  for (const char* coding : {"gzip", "identity", "chunked, gzip", "gzip, chunked", "xchunked",
                             "chunked,chunked", "", " , "}) {
    CAPTURE(coding);
    CHECK(framing_error(head_with({{"host", "x"}, {"transfer-encoding", coding}}), 11));
  }
  CHECK(framing_error(
      head_with({{"host", "x"}, {"transfer-encoding", "chunked"}, {"transfer-encoding", "gzip"}}),
      11));
  CHECK(framing_error(
      head_with({{"host", "x"}, {"transfer-encoding", "chunked"}, {"content-length", "2"}}), 11));
  CHECK(framing_error(head_with({}), 11));
  CHECK(framing_error(head_with({{"host", "a"}, {"host", "b"}}), 11));
  CHECK_FALSE(framing_error(head_with({}), 10));
}

TEST_CASE("request head: an absolute-form target is reduced to its path and query") {
  CHECK(origin_form("/api/products?q=x") == "/api/products?q=x");
  CHECK(origin_form("http://shop.example/api/products?q=x") == "/api/products?q=x");
  CHECK(origin_form("HTTPS://shop.example:8443/health") == "/health");
  CHECK(origin_form("http://shop.example") == "/");
  CHECK(origin_form("http://shop.example?q=1") == "?q=1");
  CHECK(origin_form("*") == "*");
}

TEST_CASE("trusted proxies: CIDRs of both families, the right-most untrusted forwarded address") {
  CHECK_FALSE(TrustedProxies::parse({"10.0.0.0/33"}));
  CHECK_FALSE(TrustedProxies::parse({"not-an-address"}));
  CHECK_FALSE(TrustedProxies::parse({"fd00::/129"}));
  auto proxies = TrustedProxies::parse({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"});
  REQUIRE(proxies);
  CHECK(proxies->contains("10.1.2.3"));
  CHECK(proxies->contains("::ffff:10.1.2.3"));  // IPv4-mapped is IPv4
  CHECK(proxies->contains("192.168.1.7"));
  CHECK_FALSE(proxies->contains("192.168.1.8"));
  CHECK(proxies->contains("fd12:3456::1"));
  CHECK(proxies->contains("::1"));
  CHECK_FALSE(proxies->contains("2001:db8::1"));
  CHECK_FALSE(proxies->contains("11.0.0.1"));

  using Headers = std::vector<std::pair<std::string, std::string>>;
  // An untrusted peer is its own client, whatever it says.
  CHECK(proxies->client_of("203.0.113.5", Headers{{"x-forwarded-for", "198.51.100.1"}}) ==
        "203.0.113.5");
  // A trusted one: the right-most address that is not a proxy.
  CHECK(proxies->client_of("10.0.0.1",
                           Headers{{"x-forwarded-for", "1.2.3.4, 198.51.100.1, 10.0.0.2"}}) ==
        "198.51.100.1");
  CHECK(proxies->client_of("10.0.0.1", Headers{{"x-forwarded-for", "1.2.3.4"},
                                               {"x-forwarded-for", "198.51.100.9:5000"}}) ==
        "198.51.100.9");
  // Forwarded wins over X-Forwarded-For; quoted IPv6 with a port.
  CHECK(proxies->client_of(
            "::1", Headers{{"x-forwarded-for", "198.51.100.1"},
                           {"forwarded",
                            R"(for=192.0.2.43, For="[2001:db8:cafe::17]:4711";proto=https)"}}) ==
        "2001:db8:cafe::17");
  // No header, or an entry that is no address: the proxy stands for the client.
  CHECK(proxies->client_of("10.0.0.1", Headers{}) == "10.0.0.1");
  CHECK(proxies->client_of("10.0.0.1", Headers{{"forwarded", "for=unknown"}}) == "10.0.0.1");
  // Proxies all the way: the first of the chain.
  CHECK(proxies->client_of("10.0.0.1", Headers{{"x-forwarded-for", "10.0.0.3, 10.0.0.2"}}) ==
        "10.0.0.3");
  // Without trusted proxies nothing is believed.
  CHECK(TrustedProxies().client_of("10.0.0.1", Headers{{"x-forwarded-for", "1.2.3.4"}}) ==
        "10.0.0.1");
}
