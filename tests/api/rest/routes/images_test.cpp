// Product images over HTTP against a real `orderly serve`, with the real
// image fixtures (tests/api/images/fixtures), on the local store (the
// default, <data-dir>/images) and on S3 (a real s3rver on loopback):
// uploads raw and multipart, the files served immutable, the refusals
// (each leaving the log as it was), GPS EXIF never served, duplicates,
// alt text, reordering, removal, a store that is down, --image-base-url.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "tests/api/images/fixtures.h"
#include "tests/api/images/s3rver.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/problem.h"
#include "tests/support/process.h"
#include "tests/support/shop_requests.h"

using namespace orderly;
using namespace orderly::testing;
namespace json = boost::json;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kImmutable = "public, max-age=31536000, immutable";

struct Upload {
  std::string fixture, content_type;
};

// A new product (201): its id.
std::string new_product(HttpClient& c, const Session& admin, const std::string& name) {
  auto r = create_product(c, admin,
                          {.name = name,
                           .sku = "SKU-" + name,
                           .description = "A thing",
                           .category = "Pictures",
                           .price_cents = 1200,
                           .stock = 5});
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return str(r.json().as_object().at("product"), "id");
}

json::object product(HttpClient& c, const std::string& id) {
  auto r = c.request("GET", "/api/products/" + id);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return r.json().as_object().at("product").as_object();
}

int64_t version(HttpClient& c, const std::string& id) {
  return num(product(c, id), "version");
}

std::vector<std::string> image_ids(HttpClient& c, const std::string& id) {
  std::vector<std::string> out;
  const json::object p = product(c, id);
  for (const auto& i : p.at("images").as_array())
    out.push_back(str(i, "id"));
  return out;
}

HttpResult post_image(HttpClient& c, const std::string& token, const std::string& product,
                      const std::string& body, const std::string& content_type,
                      Headers extra = {}) {
  extra.emplace_back("Authorization", "Bearer " + token);
  if (!content_type.empty())
    extra.emplace_back("Content-Type", content_type);
  return c.request("POST", "/api/products/" + product + "/images", body, extra);
}

// A browser's multipart/form-data: the file part and an alt part.
std::string multipart(const std::string& boundary, const std::string& bytes,
                      const std::string& content_type, const std::string& alt) {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n" + alt +
         "\r\n--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo\"\r\n"
         "Content-Type: " +
         content_type + "\r\n\r\n" + bytes + "\r\n--" + boundary + "--\r\n";
}

// The image in a 201.
json::object image_of(const HttpResult& r) {
  REQUIRE_MESSAGE(r.status == 201, r.status << " " << r.body);
  return r.json().as_object().at("image").as_object();
}

// The path of an image URL, from its /images/.
std::string path_of(const std::string& url) {
  const size_t at = url.find("/images/");
  REQUIRE_MESSAGE(at != std::string::npos, url);
  return url.substr(at);
}

// GET of one URL of an image: 200, the type, the ETag and the cache
// policy, then 304 for its ETag. Returns the bytes.
std::string fetch_checked(HttpClient& c, const std::string& url, const std::string& content_type) {
  CAPTURE(url);
  const std::string path = path_of(url);
  auto got = c.request("GET", path);
  REQUIRE(got.status == 200);
  CHECK(got.header("content-type") == content_type);
  // The name is <hash>.<ext>, the ETag the hash, strong.
  const std::string name = path.substr(std::string("/images/").size());
  const std::string hash = name.substr(0, name.find('.'));
  CHECK(hash.size() == 64);
  CHECK(got.header("etag") == "\"" + hash + "\"");
  CHECK(got.header("cache-control") == kImmutable);
  CHECK(got.header("x-content-type-options") == "nosniff");
  auto again = c.request("GET", path, "", {{"If-None-Match", got.header("etag")}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.header("etag") == got.header("etag"));
  CHECK(again.header("cache-control") == kImmutable);
  auto other = c.request("GET", path, "", {{"If-None-Match", "\"" + std::string(64, '0') + "\""}});
  CHECK(other.status == 200);
  return got.body;
}

std::string url(const json::object& image, const char* size) {
  return str(image.at("urls"), size);
}

// Upload JPEG, PNG and WebP raw and a PNG as multipart; each served, the
// product lists them in order. Shared by the local and the S3 store.
void upload_and_serve(const OrderlyServer& server) {
  HttpClient c = server.client();
  Session admin = server.admin();
  const std::string id = new_product(c, admin, "gallery");
  struct Case {
    const char* fixture;
    const char* type;
    int width, height;
  };
  std::vector<std::string> ids;
  for (const Case& k :
       {Case{"small.jpg", "image/jpeg", 320, 240}, Case{"small.png", "image/png", 300, 200},
        Case{"small.webp", "image/webp", 320, 240}}) {
    CAPTURE(k.fixture);
    auto r = post_image(c, admin.access_token, id, image_fixture(k.fixture), k.type);
    const json::object image = image_of(r);
    CHECK(!r.header("x-log-position").empty());
    CHECK(str(image, "alt") == "");
    CHECK(num(image, "width") == k.width);
    CHECK(num(image, "height") == k.height);
    const std::string original = fetch_checked(c, url(image, "original"), k.type);
    CHECK(original.size() > 100);
    fetch_checked(c, url(image, "thumb"), "image/webp");
    fetch_checked(c, url(image, "medium"), "image/webp");
    CHECK(url(image, "original")
              .ends_with(std::string(".") + (k.type == std::string("image/jpeg")  ? "jpg"
                                             : k.type == std::string("image/png") ? "png"
                                                                                  : "webp")));
    ids.push_back(str(image, "id"));
  }
  // Multipart, with alt text; large.png is another picture.
  auto mp = post_image(
      c, admin.access_token, id,
      multipart("orderly-b0undary", image_fixture("large.png"), "image/png", "A large picture"),
      "multipart/form-data; boundary=orderly-b0undary");
  const json::object image = image_of(mp);
  CHECK(str(image, "alt") == "A large picture");
  fetch_checked(c, url(image, "original"), "image/png");
  const std::string thumb = fetch_checked(c, url(image, "thumb"), "image/webp");
  CHECK(thumb.starts_with("RIFF"));
  ids.push_back(str(image, "id"));

  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 4);
  CHECK(image_ids(c, id) == ids);
  // An alt given as ?alt= on a raw upload.
  auto with_alt = c.request(
      "POST", "/api/products/" + id + "/images?alt=Side%20view", image_fixture("large.jpg"),
      {{"Authorization", "Bearer " + admin.access_token}, {"Content-Type", "image/jpeg"}});
  CHECK(str(image_of(with_alt), "alt") == "Side view");
  // A name that is no stored file.
  CHECK(c.request("GET", "/images/" + std::string(64, 'a') + ".jpg").status == 404);
  CHECK(c.request("GET", "/images/../etc/passwd").status == 404);
  CHECK(c.request("GET", "/images/notahash.jpg").status == 404);
  CHECK(c.request("GET", "/health").status == 200);
}

// Alt text, reordering and removal with If-Match. Shared by both stores.
void change_reorder_remove(const OrderlyServer& server) {
  HttpClient c = server.client();
  Session admin = server.admin();
  const std::string id = new_product(c, admin, "reorder");
  std::vector<std::string> ids;
  for (const char* f : {"small.jpg", "small.png", "small.webp"}) {
    const std::string type = std::string(f).ends_with("jpg")   ? "image/jpeg"
                             : std::string(f).ends_with("png") ? "image/png"
                                                               : "image/webp";
    ids.push_back(
        str(image_of(post_image(c, admin.access_token, id, image_fixture(f), type)), "id"));
  }
  const std::string base = "/api/products/" + id + "/images/";

  auto alt = c.send("PATCH", base + ids[1], admin.access_token, R"({"alt":"The PNG"})");
  REQUIRE_MESSAGE(alt.status == 200, alt.body);
  const json::object p1 = alt.json().as_object().at("product").as_object();
  CHECK(str(p1.at("images").as_array()[1], "alt") == "The PNG");
  CHECK(!alt.header("x-log-position").empty());

  // The WebP first: the others keep their order.
  auto moved = c.send("PATCH", base + ids[2], admin.access_token, R"({"position":0})");
  REQUIRE_MESSAGE(moved.status == 200, moved.body);
  std::vector<std::string> order;
  const json::value moved_body = moved.json();
  for (const auto& i : moved_body.at("product").at("images").as_array())
    order.push_back(str(i, "id"));
  CHECK(order == std::vector<std::string>{ids[2], ids[0], ids[1]});
  CHECK(image_ids(c, id) == order);

  // A stale If-Match: 409 version_conflict, nothing changed.
  const int64_t v = version(c, id);
  auto stale = c.send("PATCH", base + ids[0], admin.access_token, R"({"alt":"late"})",
                      {{"If-Match", "\"" + std::to_string(v - 1) + "\""}});
  CHECK(is_problem(stale, 409, "version_conflict"));
  auto stale_delete = c.send("DELETE", base + ids[0], admin.access_token, "",
                             {{"If-Match", std::to_string(v - 1)}});
  CHECK(is_problem(stale_delete, 409, "version_conflict"));
  CHECK(version(c, id) == v);
  // The current one goes through.
  auto current = c.send("PATCH", base + ids[0], admin.access_token, R"({"alt":"now"})",
                        {{"If-Match", "\"" + std::to_string(v) + "\""}});
  CHECK_MESSAGE(current.status == 200, current.body);

  // Bad changes: 422, nothing recorded.
  const int64_t v2 = version(c, id);
  CHECK(c.send("PATCH", base + ids[0], admin.access_token, R"({})").status == 422);
  CHECK(c.send("PATCH", base + ids[0], admin.access_token, R"({"colour":"red"})").status == 422);
  CHECK(c.send("PATCH", base + ids[0], admin.access_token,
               json::serialize(json::object{{"alt", std::string(501, 'a')}}))
            .status == 422);
  CHECK(version(c, id) == v2);

  // Removal: 204, gone from the product, the files still served.
  const std::string thumb = url(product(c, id).at("images").as_array()[0].as_object(), "thumb");
  auto removed = c.send("DELETE", base + ids[2], admin.access_token);
  CHECK(removed.status == 204);
  CHECK(!removed.header("x-log-position").empty());
  CHECK(image_ids(c, id) == std::vector<std::string>{ids[0], ids[1]});
  CHECK(c.send("DELETE", base + ids[2], admin.access_token).status == 404);
  CHECK(c.request("GET", path_of(thumb)).status == 200);
  // Not an admin.
  Session ada = server.register_user("ada");
  CHECK(is_problem(c.send("DELETE", base + ids[0], ada.access_token), 403, "forbidden"));
  CHECK(is_problem(c.send("PATCH", base + ids[0], ada.access_token, R"({"alt":"x"})"), 403,
                   "forbidden"));
  CHECK(image_ids(c, id) == std::vector<std::string>{ids[0], ids[1]});
  CHECK(c.request("GET", "/health").status == 200);
}

// The files of the local store, by name.
std::set<std::string> stored_files(const OrderlyServer& server) {
  std::set<std::string> out;
  if (!std::filesystem::exists(server.data_dir() + "/images"))
    return out;
  for (const auto& e : std::filesystem::directory_iterator(server.data_dir() + "/images")) {
    if (e.is_regular_file())
      out.insert(e.path().filename().string());
  }
  return out;
}

}  // namespace

TEST_CASE("images over http: raw JPEG, PNG, WebP and multipart uploads, served immutable") {
  OrderlyServer server;
  upload_and_serve(server);
  // The local store holds each file once, by its hash.
  const auto files = stored_files(server);
  CHECK(files.size() >= 5 * 3 - 2);  // small sizes may coincide, never more than 3 per picture
  CHECK(files.size() <= 5 * 3);
  for (const std::string& f : files) {
    CAPTURE(f);
    CHECK(f.find_first_not_of("0123456789abcdef") == 64);
    CHECK((f.ends_with(".jpg") || f.ends_with(".png") || f.ends_with(".webp")));
  }
}

TEST_CASE("images over http: alt text, reordering and removal, a stale If-Match is 409") {
  OrderlyServer server;
  change_reorder_remove(server);
}

TEST_CASE("images over http: every refusal is a problem and leaves the product as it was") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  Session ada = server.register_user("ada");
  const std::string id = new_product(c, admin, "refusals");
  const int64_t v = version(c, id);
  const std::string jpeg = image_fixture("small.jpg");

  auto text =
      post_image(c, admin.access_token, id, "just some text, not a picture\n", "image/jpeg");
  CHECK(is_problem(text, 415, "unsupported_media_type"));
  auto mislabelled = post_image(c, admin.access_token, id, jpeg, "image/png");
  CHECK(is_problem(mislabelled, 415, "unsupported_media_type"));
  auto plain = post_image(c, admin.access_token, id, jpeg, "text/plain");
  CHECK(is_problem(plain, 415, "unsupported_media_type"));
  auto gif = post_image(c, admin.access_token, id, "GIF89a....", "image/gif");
  CHECK(is_problem(gif, 415, "unsupported_media_type"));
  auto untyped = post_image(c, admin.access_token, id, jpeg, "");
  CHECK(untyped.status == 415);

  auto truncated =
      post_image(c, admin.access_token, id, jpeg.substr(0, jpeg.size() / 2), "image/jpeg");
  CHECK(is_problem(truncated, 422, "validation_failed"));
  CHECK(truncated.body.find("\"field\":\"image\"") != std::string::npos);
  for (const char* bomb : {"bomb.png", "bomb.jpg"}) {
    CAPTURE(bomb);
    auto r = post_image(c, admin.access_token, id, image_fixture(bomb),
                        std::string(bomb).ends_with("png") ? "image/png" : "image/jpeg");
    CHECK(is_problem(r, 422, "validation_failed"));
  }
  // 12 MB, over the default 10 MiB of this route.
  auto big =
      post_image(c, admin.access_token, id, std::string(12 * 1000 * 1000, 'x'), "image/jpeg");
  CHECK(is_problem(big, 413, "payload_too_large"));
  // A malformed multipart body, and one without its file part.
  auto broken =
      post_image(c, admin.access_token, id, "--b\r\nnonsense", "multipart/form-data; boundary=b");
  CHECK(broken.status == 422);
  auto no_file =
      post_image(c, admin.access_token, id,
                 "--b\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nhello\r\n--b--\r\n",
                 "multipart/form-data; boundary=b");
  CHECK(no_file.status == 422);
  CHECK(no_file.body.find("\"field\":\"file\"") != std::string::npos);
  auto long_alt = c.request(
      "POST", "/api/products/" + id + "/images?alt=" + std::string(501, 'a'), jpeg,
      {{"Authorization", "Bearer " + admin.access_token}, {"Content-Type", "image/jpeg"}});
  CHECK(long_alt.status == 422);

  auto customer = post_image(c, ada.access_token, id, jpeg, "image/jpeg");
  CHECK(is_problem(customer, 403, "forbidden"));
  auto anonymous =
      c.request("POST", "/api/products/" + id + "/images", jpeg, {{"Content-Type", "image/jpeg"}});
  CHECK(anonymous.status == 401);
  auto unknown =
      post_image(c, admin.access_token, "01890a5d-ac96-774b-bcce-b302099a8057", jpeg, "image/jpeg");
  CHECK(is_problem(unknown, 404, "not_found"));

  for (const HttpResult* r : {&text, &mislabelled, &plain, &truncated, &big, &customer, &unknown})
    CHECK(r->header("x-log-position").empty());
  CHECK(version(c, id) == v);
  CHECK(image_ids(c, id).empty());
  // Nothing was stored either.
  CHECK(stored_files(server).empty());
  // And a good upload still works after all of it.
  image_of(post_image(c, admin.access_token, id, jpeg, "image/jpeg"));
  CHECK(c.request("GET", "/health").status == 200);
}

TEST_CASE("images over http: no served copy of a GPS photo carries its EXIF") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  const std::string id = new_product(c, admin, "gps");
  for (const Upload& u : {Upload{"gps.jpg", "image/jpeg"}, Upload{"gps.png", "image/png"},
                          Upload{"gps.webp", "image/webp"}}) {
    CAPTURE(u.fixture);
    const std::string upload = image_fixture(u.fixture);
    // The fixture does carry them (else this test could not fail).
    REQUIRE(upload.find("OrderlyTestCam") != std::string::npos);
    const json::object image =
        image_of(post_image(c, admin.access_token, id, upload, u.content_type));
    // Orientation 6 applied: 40 x 20 shown 20 x 40.
    CHECK(num(image, "width") == 20);
    CHECK(num(image, "height") == 40);
    for (const char* size : {"original", "thumb", "medium"}) {
      CAPTURE(size);
      const std::string served = fetch_checked(
          c, url(image, size), std::string(size) == "original" ? u.content_type : "image/webp");
      for (const char* secret : {"Exif", "OrderlyTestCam", "Secret Photographer",
                                 "http://ns.adobe.com/xap", "secret comment"}) {
        CHECK_MESSAGE(served.find(secret) == std::string::npos, secret);
      }
      // exiftool (libimage-exiftool-perl) finds no GPS or camera tag.
      const std::string path = server.dir().sub(std::string("served-") + size);
      std::ofstream(path, std::ios::binary | std::ios::trunc) << served;
      const auto tags = run_command({ORDERLY_EXIFTOOL, "-a", "-G1", "-s", path});
      REQUIRE_MESSAGE(tags.exit_code == 0, "exiftool must be installed (ops/install-deps.sh)");
      CHECK(tags.output.find("FileType") != std::string::npos);
      for (const char* tag : {"GPS", "Make", "Orientation", "XMP", "UserComment", "ExifIFD"})
        CHECK_MESSAGE(tags.output.find(tag) == std::string::npos, tag << " in\n" << tags.output);
    }
  }
}

TEST_CASE("images over http: the same picture twice on a product is 409 and stored once") {
  OrderlyServer server;
  HttpClient c = server.client();
  Session admin = server.admin();
  const std::string id = new_product(c, admin, "twice");
  const std::string jpeg = image_fixture("small.jpg");
  const json::object first = image_of(post_image(c, admin.access_token, id, jpeg, "image/jpeg"));
  const auto files = stored_files(server);
  CHECK(files.size() == 3);
  const int64_t v = version(c, id);
  auto again = post_image(c, admin.access_token, id, jpeg, "image/jpeg");
  CHECK(again.status == 409);
  CHECK(code_of(again) == "already_exists");
  CHECK(version(c, id) == v);
  CHECK(image_ids(c, id) == std::vector<std::string>{str(first, "id")});
  CHECK(stored_files(server) == files);
  // On another product the same picture is welcome, and its files are the
  // same ones.
  const std::string other = new_product(c, admin, "twice-too");
  const json::object second =
      image_of(post_image(c, admin.access_token, other, jpeg, "image/jpeg"));
  CHECK(str(second, "id") != str(first, "id"));
  CHECK(url(second, "original") == url(first, "original"));
  CHECK(stored_files(server) == files);
  // An Idempotency-Key retry returns the first answer.
  const std::string png = image_fixture("small.png");
  auto keyed =
      post_image(c, admin.access_token, id, png, "image/png", {{"Idempotency-Key", "p-1"}});
  const json::object keyed_image = image_of(keyed);
  auto retry =
      post_image(c, admin.access_token, id, png, "image/png", {{"Idempotency-Key", "p-1"}});
  CHECK(retry.status == 201);
  CHECK(str(image_of(retry), "id") == str(keyed_image, "id"));
  CHECK(image_ids(c, id).size() == 2);
}

TEST_CASE("images over http: --image-base-url makes the links start with it") {
  OrderlyServer server({"--image-base-url", "https://cdn.example.com/img/"});
  HttpClient c = server.client();
  Session admin = server.admin();
  const std::string id = new_product(c, admin, "cdn");
  const json::object image =
      image_of(post_image(c, admin.access_token, id, image_fixture("small.png"), "image/png"));
  for (const char* size : {"original", "thumb", "medium"}) {
    CAPTURE(size);
    const std::string u = url(image, size);
    CHECK(u.starts_with("https://cdn.example.com/img/"));
    CHECK(u.find("//", 8) == std::string::npos);
    // The engine still serves the name itself.
    const std::string name = u.substr(std::string("https://cdn.example.com/img/").size());
    CHECK(c.request("GET", "/images/" + name).status == 200);
  }
  CHECK(url(product(c, id).at("images").as_array()[0].as_object(), "thumb") == url(image, "thumb"));
}

// The flags of a server whose images are in s3rver.
std::vector<std::string> s3_flags(const S3rver& s3, const std::string& credentials) {
  return {"--image-store",         std::string("s3://") + S3rver::kBucket + "/shop",
          "--s3-endpoint",         s3.endpoint(),
          "--s3-region",           "us-east-1",
          "--s3-credentials-file", credentials};
}

TEST_CASE("images s3 over http: uploads, serving, reordering and removal against s3rver") {
  S3rver s3;
  TempDir dir;
  const std::string credentials = S3rver::write_credentials(dir.sub("credentials"));
  OrderlyServer server(s3_flags(s3, credentials));
  upload_and_serve(server);
  change_reorder_remove(server);
  // Nothing went to the local directory.
  CHECK(stored_files(server).empty());
}

TEST_CASE("images s3 over http: a store that is down is 503 with nothing recorded, retried 201") {
  S3rver s3;
  TempDir dir;
  const std::string credentials = S3rver::write_credentials(dir.sub("credentials"));
  OrderlyServer server(s3_flags(s3, credentials));
  HttpClient c = server.client();
  Session admin = server.admin();
  const std::string id = new_product(c, admin, "down");
  const int64_t v = version(c, id);
  const std::string png = image_fixture("small.png");

  s3.stop();
  auto down =
      post_image(c, admin.access_token, id, png, "image/png", {{"Idempotency-Key", "up-1"}});
  CHECK(is_problem(down, 503, "unavailable"));
  CHECK(!down.header("retry-after").empty());
  CHECK(down.header("x-log-position").empty());
  CHECK(version(c, id) == v);
  CHECK(image_ids(c, id).empty());
  CHECK(c.request("GET", "/health").status == 200);

  s3.start();
  auto retried =
      post_image(c, admin.access_token, id, png, "image/png", {{"Idempotency-Key", "up-1"}});
  const json::object image = image_of(retried);
  CHECK(version(c, id) == v + 1);
  CHECK(image_ids(c, id) == std::vector<std::string>{str(image, "id")});
  fetch_checked(c, url(image, "original"), "image/png");
  fetch_checked(c, url(image, "thumb"), "image/webp");
  // The same key again: the first answer, nothing appended.
  auto replay =
      post_image(c, admin.access_token, id, png, "image/png", {{"Idempotency-Key", "up-1"}});
  CHECK(replay.status == 201);
  CHECK(version(c, id) == v + 1);
  // Serving while the store is down: 503, and the server keeps running.
  s3.stop();
  auto unserved = c.request("GET", path_of(url(image, "medium")));
  CHECK(is_problem(unserved, 503, "unavailable"));
  CHECK(c.request("GET", "/health").status == 200);
}
