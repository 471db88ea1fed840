// Conditional GETs (api/rest/conditional_get.h): the ETag every read gets,
// the 304 for a matching If-None-Match, and what is left alone.
#include <doctest/doctest.h>

#include <string>

#include "api/rest/conditional_get.h"

using namespace orderly::api;

namespace {

http::Response ok(std::string body) {
  http::Response r;
  r.body = std::move(body);
  return r;
}

std::string header(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name)
      return v;
  }
  return {};
}

}  // namespace

TEST_CASE("conditional get: a strong ETag of the body, and 304 when If-None-Match names it") {
  const http::Response first = rest::conditional_get(ok(R"({"items":[]})"), "", false);
  CHECK(first.status == 200);
  const std::string etag = header(first, "ETag");
  REQUIRE(etag.size() == 34);  // "<32 hex digits>"
  CHECK(etag.front() == '"');
  CHECK(header(first, "Vary") == "Authorization");
  CHECK(header(first, "Cache-Control") == "no-cache");
  // The same body, the same tag; another body, another tag.
  CHECK(header(rest::conditional_get(ok(R"({"items":[]})"), "", false), "ETag") == etag);
  CHECK(header(rest::conditional_get(ok(R"({"items":[1]})"), "", false), "ETag") != etag);

  for (const std::string& sent : {etag, "W/" + etag, "\"x\", " + etag, std::string("*")}) {
    CAPTURE(sent);
    const http::Response again = rest::conditional_get(ok(R"({"items":[]})"), sent, true);
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(header(again, "ETag") == etag);  // kept on the 304
    CHECK(header(again, "Cache-Control") == "private, no-cache");
  }
  CHECK(rest::conditional_get(ok(R"({"items":[1]})"), etag, false).status == 200);
}

TEST_CASE("conditional get: a version ETag stays in front, other answers are left alone") {
  http::Response product = ok(R"({"product":{"version":3}})");
  product.header("ETag", "\"3\"");
  const http::Response tagged = rest::conditional_get(product, "", false);
  const std::string etag = header(tagged, "ETag");
  CHECK(etag.starts_with("\"3-"));
  CHECK(etag.size() == 36);
  CHECK(rest::conditional_get(product, "\"3\"", false).status ==
        200);  // the version alone is not the body
  CHECK(rest::conditional_get(product, etag, false).status == 304);

  http::Response cached = ok("page");
  cached.header("Cache-Control", "public, max-age=300");
  const http::Response kept = rest::conditional_get(cached, "*", false);
  CHECK(kept.status == 200);
  CHECK(header(kept, "ETag").empty());
  http::Response missing = ok("{}");
  missing.status = 404;
  CHECK(rest::conditional_get(missing, "*", false).status == 404);
}

TEST_CASE("conditional get: a route's exact tag is the ETag, with no digest and no header left") {
  http::Response page = ok(R"({"items":[]})");
  page.header(std::string(rest::kExactTag), "\"orders-1.2\"");
  page.header("ETag", "\"7\"");  // an exact tag wins over a version
  const http::Response tagged = rest::conditional_get(page, "", true);
  CHECK(header(tagged, "ETag") == "\"orders-1.2\"");
  CHECK(header(tagged, std::string(rest::kExactTag)).empty());
  CHECK(header(tagged, "Cache-Control") == "private, no-cache");
  const http::Response again = rest::conditional_get(page, "\"orders-1.2\"", true);
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  // Not a 200: no tag, and the note does not leave either.
  http::Response missing = page;
  missing.status = 404;
  const http::Response refused = rest::conditional_get(missing, "*", true);
  CHECK(refused.status == 404);
  CHECK(header(refused, std::string(rest::kExactTag)).empty());
}
