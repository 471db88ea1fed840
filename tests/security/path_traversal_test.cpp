// Path traversal against a real `orderly serve`. The engine serves no files
// from disk (/docs, /api/openapi.json and the web pages at / and /web/{file}
// are compiled in), and these tests
// hold it to that: dot segments plain, percent-encoded, double-encoded and
// overlong, backslashes, NUL bytes and encoded slashes, in file-like routes
// and in path parameters, never answer with a file from the machine or the
// data directory (the JWT secret), never a 5xx, never a crash.
#include <doctest/doctest.h>

#include "tests/security/checks.h"
#include "tests/security/raw_connection.h"

using namespace orderly::testing;

namespace {

// What the server may answer a hostile path with: a refusal, or one of the
// documents it serves, byte for byte.
struct Served {
  std::string docs, spec, page, secret, passwd;

  void check(const std::string& target, const std::optional<RawResponse>& r) const {
    CAPTURE(target);
    REQUIRE(r);
    CAPTURE(r->status);
    CHECK(r->status < 500);
    if (r->status == 200)
      CHECK((r->body == docs || r->body == spec || r->body == page));
    else
      CHECK(r->header("content-type") == "application/problem+json");
    CHECK(r->body.find(secret) == std::string::npos);
    CHECK(r->body.find("root:x:0:0") == std::string::npos);
    if (!passwd.empty())
      CHECK(r->body.find(passwd.substr(0, std::min<size_t>(passwd.size(), 40))) ==
            std::string::npos);
  }
};

const char* const kTargets[] = {
    "/docs/../../../../etc/passwd",
    "/docs/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/docs/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/docs/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%252e%252e/%252e%252e/%252e%252e/etc/passwd",
    "/docs/..%252f..%252f..%252fetc%252fpasswd",
    "/docs/..%c0%af..%c0%af..%c0%afetc%c0%afpasswd",
    "/docs/..%5c..%5c..%5c..%5cetc%5cpasswd",
    "/docs\\..\\..\\..\\..\\etc\\passwd",
    "/..\\..\\..\\..\\etc\\passwd",
    "/docs%00",
    "/docs%00.html",
    "/docs/%00/../../etc/passwd",
    "/api/openapi.json/../../../../etc/passwd",
    "/api/openapi.json%2f..%2f..%2f..%2fetc%2fpasswd",
    "/api/openapi.json%00.txt",
    "/api/..%2fapi%2fopenapi.json",
    "/..;/..;/..;/etc/passwd",
    "/etc/passwd",
    "//etc/passwd",
    "/proc/self/environ",
    "/jwt.secret",
    "/data/jwt.secret",
    "/../jwt.secret",
    "/%2e%2e/jwt.secret",
    "/docs/..%2fjwt.secret",
    "/docs/..%2f..%2fdata%2fjwt.secret",
    "/index.html",
    "/docs/index.html",
    "/api/docs/index.html",
    "/api/docs/openapi.json",
    "/static/../../../../etc/passwd",
    "/",
    "/docs/",
    "//docs",
    "/docs/.",
    "/docs/..",
    "/./docs",
    "/docs?file=../../../../etc/passwd",
    "/api/openapi.json?path=..%2f..%2fjwt.secret",
    "../../../../etc/passwd",
    "http://localhost/../../../../etc/passwd",
    "*",
};

// The one route that names a file: each of these is a 404, never a file.
const char* const kWebTargets[] = {
    "/web/../../../../etc/passwd",
    "/web/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/web/%2e%2e%2fjwt.secret",
    "/web/.%2e/.%2e/jwt.secret",
    "/web/%252e%252e%252fjwt.secret",
    "/web/..%5cjwt.secret",
    "/web/..\\..\\jwt.secret",
    "/web/app.js%00",
    "/web/app.js%00.html",
    "/web/app.js/../../jwt.secret",
    "/web/app.js%2f..%2f..%2fjwt.secret",
    "/web/.env",
    "/web/.",
    "/web/..",
    "/web/%2e%2e",
    "/web/jwt.secret",
    "/web/embed_web.cmake",
    "/web/index.html%c0%af..%c0%afjwt.secret",
    "/web/%2fetc%2fpasswd",
};

}  // namespace

TEST_CASE("path traversal: no dot segment, encoding or NUL in a path reaches a file") {
  OrderlyServer server({"--rate-limit-ip", "0", "--rate-limit-user", "0"});
  HttpClient c = server.client();
  Served served{c.request("GET", "/docs").body, c.request("GET", "/api/openapi.json").body,
                c.request("GET", "/").body, read_text_file(server.data_dir() + "/jwt.secret"),
                read_text_file("/etc/passwd")};
  REQUIRE(served.secret.size() >= 32);
  REQUIRE(!served.docs.empty());

  int tried = 0;
  for (const std::string target : kTargets) {
    for (const std::string method : {"GET", "POST"}) {
      served.check(
          method + " " + target,
          raw_exchange(server.port(), method + " " + target +
                                          " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
      ++tried;
    }
  }
  for (const std::string target : kWebTargets) {
    auto r = raw_exchange(server.port(),
                          "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    served.check("GET " + target, r);
    CHECK(r->status != 200);
    ++tried;
  }
  CHECK(c.request("GET", "/web/app.js").status == 200);  // the route itself works
  // Raw control bytes in the request line do not even parse.
  for (const std::string& target :
       {std::string("/docs\0", 6), std::string("/docs\0/../../etc/passwd", 23),
        std::string("/api/openapi.json\0.txt", 22), std::string("/docs\r/../etc/passwd")}) {
    auto r = raw_exchange(server.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(r);
    CHECK(r->status == 400);
    ++tried;
  }

  // Path parameters as an admin, where they name streams, models, positions
  // and products: traversal there finds nothing either.
  const Session admin = server.admin();
  const std::vector<std::pair<std::string, std::string>> bearer = {
      {"Authorization", "Bearer " + admin.access_token}};
  for (const std::string param :
       {"..%2f..%2f..%2f..%2fetc%2fpasswd", "..%2f..%2fjwt.secret", "order-..%2f..%2fjwt.secret",
        "%2e%2e", "%2e", "user-%00", "%00", "..%5c..%5cjwt.secret", "%252e%252e%252fjwt.secret",
        "..%c0%af..%c0%afjwt.secret"}) {
    for (const std::string route :
         {"/api/admin/streams/", "/api/admin/projections/", "/api/admin/email-facts/",
          "/api/products/", "/api/admin/notifications/"}) {
      const std::string suffix = route == "/api/admin/projections/" ? "/rebuild" : "";
      const std::string method = suffix.empty() ? "GET" : "POST";
      std::string request = method + " " + route + param + suffix +
                            " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " +
                            admin.access_token + "\r\n\r\n";
      auto r = raw_exchange(server.port(), request);
      served.check(route + param + suffix, r);
      CHECK(r->status != 200);
      ++tried;
    }
  }
  CHECK(c.request("GET", "/health").status == 200);
  MESSAGE(tried << " hostile paths answered without a file");
}
