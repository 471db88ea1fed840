// api/images/s3/ against a real S3-compatible server: s3rver from npm
// (pinned in s3/package-lock.json, installed by the CTest setup test
// images-s3/npm-ci), started on a free loopback port, stopped by its PID.
// Plus the pure parts: locations, credentials files, endpoint rules.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "api/images/s3/s3_credentials.h"
#include "api/images/s3/s3_image_store.h"
#include "api/images/s3/s3_location.h"
#include "tests/api/images/fixtures.h"
#include "tests/api/images/s3rver.h"
#include "tests/support/free_port.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::api::images;
using namespace orderly::api::images::s3;
using Clock = std::chrono::steady_clock;

namespace {

using testing::S3rver;

S3Options options_for(const std::string& endpoint, const std::string& location) {
  auto parsed = parse_s3_location(location);
  REQUIRE(parsed.is_ok());
  return S3Options{*parsed, endpoint, "us-east-1", S3Credentials{"S3RVER", "S3RVER"}};
}

std::unique_ptr<ImageStore> make_store(
    const std::string& endpoint, const std::string& location = "s3://orderly-images/shop/img") {
  auto store = make_s3_image_store(options_for(endpoint, location));
  REQUIRE_MESSAGE(store.is_ok(), store.status().to_string());
  return std::move(*store);
}

}  // namespace

TEST_CASE("images s3: locations follow the bucket naming rules") {
  auto plain = parse_s3_location("s3://my-bucket");
  REQUIRE(plain.is_ok());
  CHECK(plain->bucket == "my-bucket");
  CHECK(plain->prefix.empty());
  auto nested = parse_s3_location("s3://shop.images/prod/catalog/");
  REQUIRE(nested.is_ok());
  CHECK(nested->bucket == "shop.images");
  CHECK(nested->prefix == "prod/catalog");
  CHECK(to_string(*nested) == "s3://shop.images/prod/catalog");
  for (const char* bad :
       {"my-bucket", "https://bucket/x", "s3://", "s3://ab", "s3://My-Bucket", "s3://-bucket",
        "s3://bucket-", "s3://a..b", "s3://192.168.1.10", "s3://bucket_x", "s3://bucket/../x",
        "s3://bucket/a//b", "s3://bucket/a b", "s3://bucket/a?x=1", "s3://bucket/%2e%2e"}) {
    CAPTURE(bad);
    CHECK(parse_s3_location(bad).status().code() == ErrorCode::kInvalidArgument);
  }
  CHECK_FALSE(parse_s3_location("s3://" + std::string(64, 'a')).is_ok());
}

TEST_CASE("images s3: the credentials file is AWS's shared format") {
  auto ok = parse_s3_credentials(
      "# the shop's key\n[default]\naws_access_key_id = AKIAEXAMPLE\r\n"
      "aws_secret_access_key=wJalr/K7MDENG+bPxRfi\n\n",
      "f");
  REQUIRE_MESSAGE(ok.is_ok(), ok.status().to_string());
  CHECK(ok->access_key_id == "AKIAEXAMPLE");
  CHECK(ok->secret_access_key == "wJalr/K7MDENG+bPxRfi");
  CHECK_FALSE(parse_s3_credentials("aws_access_key_id = A\n", "f").is_ok());
  CHECK_FALSE(
      parse_s3_credentials("aws_access_key_id = A\naws_secret_access_key =\n", "f").is_ok());
  CHECK_FALSE(parse_s3_credentials(
                  "aws_access_key_id = A\naws_access_key_id = B\naws_secret_access_key = C", "f")
                  .is_ok());
  auto unknown = parse_s3_credentials("aws_session_token = T\n", "creds");
  REQUIRE_FALSE(unknown.is_ok());
  CHECK(unknown.status().message().find("creds line 1") != std::string::npos);
  CHECK_FALSE(parse_s3_credentials("just a secret\n", "f").is_ok());

  testing::TempDir dir;
  std::ofstream(dir.sub("credentials"))
      << "aws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n";
  auto read = read_s3_credentials(dir.sub("credentials"));
  REQUIRE(read.is_ok());
  CHECK(read->access_key_id == "S3RVER");
  CHECK(read_s3_credentials(dir.sub("absent")).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("images s3: endpoints are https, or http to a loopback host") {
  CHECK(check_s3_endpoint("https://s3.eu-west-1.amazonaws.com").is_ok());
  CHECK(check_s3_endpoint("http://127.0.0.1:4568").is_ok());
  CHECK(check_s3_endpoint("http://localhost:9000/").is_ok());
  CHECK(check_s3_endpoint("http://[::1]:9000").is_ok());
  CHECK_FALSE(check_s3_endpoint("http://s3.example.com").is_ok());
  CHECK_FALSE(check_s3_endpoint("http://10.0.0.5:9000").is_ok());
  CHECK_FALSE(check_s3_endpoint("https://key:secret@s3.example.com").is_ok());
  CHECK_FALSE(check_s3_endpoint("https://s3.example.com/bucket").is_ok());
  CHECK_FALSE(check_s3_endpoint("ftp://s3.example.com").is_ok());
  CHECK_FALSE(check_s3_endpoint("").is_ok());
  S3Options bad_region = options_for("https://s3.example.com", "s3://bucket");
  bad_region.region = "eu west";
  CHECK_FALSE(make_s3_image_store(bad_region).is_ok());
  S3Options no_key = options_for("https://s3.example.com", "s3://bucket");
  no_key.credentials = {};
  CHECK_FALSE(make_s3_image_store(no_key).is_ok());
}

TEST_CASE("images s3: put, get and exists against s3rver, a missing name is absent") {
  S3rver server;
  auto store = make_store(server.endpoint());
  CHECK(store->describe() == "s3://orderly-images/shop/img at " + server.endpoint());
  const ImageFile jpeg = make_image_file(ImageFormat::kJpeg, testing::image_fixture("large.jpg"));
  const ImageFile webp = make_image_file(ImageFormat::kWebp, testing::image_fixture("small.webp"));

  auto absent = store->get(jpeg.name());
  REQUIRE_MESSAGE(absent.is_ok(), absent.status().to_string());
  CHECK_FALSE(absent->has_value());
  CHECK(*store->exists(jpeg.name()) == false);

  for (const ImageFile* f : {&jpeg, &webp}) {
    const Status put = store->put(*f);
    REQUIRE_MESSAGE(put.is_ok(), put.to_string());
    CHECK(store->put(*f).is_ok());  // again: same name, same bytes
    auto exists = store->exists(f->name());
    REQUIRE_MESSAGE(exists.is_ok(), exists.status().to_string());
    CHECK(*exists);
    auto back = store->get(f->name());
    REQUIRE_MESSAGE(back.is_ok(), back.status().to_string());
    REQUIRE(back->has_value());
    CHECK(**back == f->bytes);
  }
  // Under another prefix the names are not there.
  auto other = make_store(server.endpoint(), "s3://orderly-images/elsewhere");
  CHECK(*other->exists(jpeg.name()) == false);
  // Invalid names never reach the server.
  CHECK_FALSE(store->get("../" + jpeg.name())->has_value());
  CHECK(*store->exists("x.jpg") == false);
  // A bucket that does not exist: the store is not usable, said clearly.
  auto no_bucket = make_store(server.endpoint(), "s3://no-such-bucket");
  const Status put = no_bucket->put(jpeg);
  CHECK(put.code() == ErrorCode::kUnavailable);
  CHECK(put.message().find("no-such-bucket") != std::string::npos);
}

TEST_CASE("images s3: one store used from several threads at once") {
  S3rver server;
  auto store = make_store(server.endpoint());
  const std::string base = testing::image_fixture("small.png");
  std::vector<ImageFile> files;
  for (int i = 0; i < 6; ++i)
    files.push_back(make_image_file(ImageFormat::kPng, base + std::string(size_t(i + 1), 'x')));
  std::vector<std::string> outcome(files.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < files.size(); ++i) {
    threads.emplace_back([&, i] {
      const Status put = store->put(files[i]);
      auto back = store->get(files[i].name());
      outcome[i] = !put.is_ok()                                    ? put.to_string()
                   : !back.is_ok()                                 ? back.status().to_string()
                   : back->has_value() && **back == files[i].bytes ? "ok"
                                                                   : "wrong bytes";
    });
  }
  for (auto& t : threads)
    t.join();
  for (const std::string& o : outcome)
    CHECK(o == "ok");
}

TEST_CASE("images s3: with the server stopped a put is unavailable, quickly") {
  S3rver server;
  auto store = make_store(server.endpoint());
  const ImageFile file = make_image_file(ImageFormat::kPng, testing::image_fixture("small.png"));
  REQUIRE(store->put(file).is_ok());
  server.stop();
  const auto start = Clock::now();
  const Status put = store->put(file);
  CHECK(put.code() == ErrorCode::kUnavailable);
  CHECK(store->get(file.name()).status().code() == ErrorCode::kUnavailable);
  CHECK(store->exists(file.name()).status().code() == ErrorCode::kUnavailable);
  CHECK(Clock::now() - start < std::chrono::seconds(15));
}

TEST_CASE("images s3: a server that accepts and never answers is unavailable after 15 s") {
  // A listening socket nobody accepts from: the kernel completes the
  // connection, the request is sent, no answer ever comes.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto store = make_store("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  const auto start = Clock::now();
  const Status put = store->put(make_image_file(ImageFormat::kPng, "\x89PNG"));
  const auto took = Clock::now() - start;
  ::close(fd);
  CHECK(put.code() == ErrorCode::kUnavailable);
  CHECK(took >= std::chrono::seconds(14));
  CHECK(took < std::chrono::seconds(20));
}
