// The image upload parser (api/rest/requests/images.h): raw bodies,
// multipart/form-data as browsers and curl send it, and every malformed
// shape named; PATCH's JSON.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "api/rest/requests/images.h"

using namespace orderly;
using namespace orderly::api::rest::requests;

namespace {

std::string multipart(const std::string& boundary,
                      const std::vector<std::pair<std::string, std::string>>& parts) {
  std::string body;
  for (const auto& [head, data] : parts)
    body += "--" + boundary + "\r\n" + head + "\r\n\r\n" + data + "\r\n";
  return body + "--" + boundary + "--\r\n";
}

std::string field_of(const Status& st) {
  return st.fields().empty() ? "" : st.fields().front().field;
}

}  // namespace

TEST_CASE("image upload: a raw body is the image, its alt from the query") {
  auto u = image_upload_from("image/png", "\x89PNG...", std::string("a cup"));
  REQUIRE(u.is_ok());
  CHECK(u->bytes == "\x89PNG...");
  CHECK(u->content_type == "image/png");
  CHECK(u->alt == "a cup");
  CHECK(image_upload_from("image/png", "", std::nullopt).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(image_upload_from("text/plain", "hello", std::nullopt).status().code() ==
        ErrorCode::kUnsupportedMediaType);
  CHECK(image_upload_from("", "hello", std::nullopt).status().code() ==
        ErrorCode::kUnsupportedMediaType);
  CHECK(field_of(image_upload_from("image/png", "x", std::string(501, 'a')).status()) == "alt");
}

TEST_CASE("image upload: multipart parts as a browser sends them") {
  const std::string body =
      multipart("----WebKitFormBoundaryX",
                {{"Content-Disposition: form-data; name=\"file\"; filename=\"cup; 1.png\"\r\n"
                  "Content-Type: image/png",
                  std::string("\x89PNG\r\n\x1a\n--not-a-boundary", 24)},
                 {"Content-Disposition: form-data; name=\"alt\"", "The red cup"},
                 {"Content-Disposition: form-data; name=\"extra\"", "ignored"}});
  auto u = image_upload_from("multipart/form-data; boundary=----WebKitFormBoundaryX", body,
                             std::string("query alt"));
  REQUIRE_MESSAGE(u.is_ok(), u.status().to_string());
  CHECK(u->bytes == std::string("\x89PNG\r\n\x1a\n--not-a-boundary", 24));
  CHECK(u->content_type == "image/png");
  CHECK(u->alt == "The red cup");  // the body's alt wins over ?alt=

  // Quoted boundary, no alt part: the query's.
  const std::string plain = multipart(
      "abc",
      {{"Content-Disposition: form-data; name=file\r\nContent-Type: image/jpeg", "JPEGDATA"}});
  auto q = image_upload_from("multipart/form-data; boundary=\"abc\"", plain, std::string("q"));
  REQUIRE(q.is_ok());
  CHECK(q->alt == "q");
}

TEST_CASE("image upload: malformed multipart bodies are named, never read past their end") {
  const std::string ct = "multipart/form-data; boundary=b";
  auto refused = [&](const std::string& body) { return image_upload_from(ct, body, std::nullopt); };
  CHECK(field_of(image_upload_from("multipart/form-data", "x", std::nullopt).status()) == "body");
  CHECK(field_of(refused("no boundary here").status()) == "body");
  CHECK(field_of(
            refused("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc").status()) ==
        "body");  // never closed
  CHECK(field_of(refused("--b\r\nNo-Colon\r\n\r\nabc\r\n--b--").status()) == "body");
  CHECK(field_of(refused("--b\r\nContent-Type: image/png\r\n\r\nabc\r\n--b--").status()) ==
        "body");  // no Content-Disposition
  CHECK(field_of(refused(multipart("b", {{"Content-Disposition: form-data; name=\"alt\"", "x"}}))
                     .status()) == "file");
  CHECK(refused(multipart("b", {{"Content-Disposition: form-data; name=\"file\"", "abc"}}))
            .status()
            .code() == ErrorCode::kUnsupportedMediaType);  // the file part declares no type
  const std::string twice = multipart(
      "b", {{"Content-Disposition: form-data; name=\"file\"\r\nContent-Type: image/png", "a"},
            {"Content-Disposition: form-data; name=\"file\"\r\nContent-Type: image/png", "b"}});
  CHECK(field_of(refused(twice).status()) == "file");
  std::vector<std::pair<std::string, std::string>> many(
      9, {"Content-Disposition: form-data; name=\"x\"", "1"});
  CHECK(field_of(refused(multipart("b", many)).status()) == "body");
  CHECK(field_of(image_upload_from("multipart/form-data; boundary=" + std::string(71, 'b'), "",
                                   std::nullopt)
                     .status()) == "body");
  // Every prefix of a valid body is refused cleanly (no crash, no read past the end).
  const std::string valid = multipart(
      "b",
      {{"Content-Disposition: form-data; name=\"file\"\r\nContent-Type: image/png", "abcdef"}});
  for (size_t n = 0; n + 1 < valid.size() - 2; ++n)
    CHECK_FALSE(refused(valid.substr(0, n)).is_ok());
}

TEST_CASE("image change: alt and position, at least one") {
  const Uuid p = *Uuid::parse("0192f0c1-7e4a-7000-8000-000000000001");
  const Uuid i = *Uuid::parse("0192f0c1-7e4a-7000-8000-000000000002");
  auto c = change_product_image_from(boost::json::parse(R"({"alt":"x","position":2})").as_object(),
                                     p, i);
  REQUIRE(c.is_ok());
  CHECK(*c->alt == "x");
  CHECK(*c->position == 2);
  CHECK(change_product_image_from(boost::json::object{}, p, i).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(field_of(change_product_image_from(boost::json::parse(R"({"colour":1})").as_object(), p, i)
                     .status()) == "colour");
  CHECK(field_of(
            change_product_image_from(boost::json::parse(R"({"position":"1"})").as_object(), p, i)
                .status()) == "position");
}
