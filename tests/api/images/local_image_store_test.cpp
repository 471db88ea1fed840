// api/images/local_image_store.h on a real directory: put, get, exists,
// names refused, idempotent puts, and the verify helper finding missing
// and damaged files.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "api/images/local_image_store.h"
#include "tests/api/images/fixtures.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::api::images;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<ImageStore> open_store(const fs::path& dir) {
  auto store = open_local_image_store(dir);
  REQUIRE_MESSAGE(store.is_ok(), store.status().to_string());
  return std::move(*store);
}

size_t files_in(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("images local store: put, get and exists, the file named by its hash") {
  orderly::testing::TempDir tmp;
  const fs::path dir = fs::path(tmp.path()) / "data" / "images";
  auto store = open_store(dir);
  CHECK(fs::is_directory(dir));
  CHECK((fs::status(dir).permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
        fs::perms::none);
  CHECK(store->describe() == "directory " + dir.string());

  const ImageFile file = make_image_file(ImageFormat::kJpeg, testing::image_fixture("small.jpg"));
  CHECK(*store->exists(file.name()) == false);
  CHECK_FALSE(store->get(file.name())->has_value());
  REQUIRE(store->put(file).is_ok());
  CHECK(*store->exists(file.name()) == true);
  auto back = store->get(file.name());
  REQUIRE(back.is_ok());
  REQUIRE(back->has_value());
  CHECK(**back == file.bytes);
  CHECK(fs::file_size(dir / file.name()) == file.bytes.size());
  // No temporary file is left beside it.
  CHECK(files_in(dir) == 1);

  // A second store over the same directory sees it.
  auto reopened = open_store(dir);
  CHECK(*reopened->exists(file.name()) == true);
}

TEST_CASE("images local store: a second put of a name stored does not rewrite it") {
  orderly::testing::TempDir tmp;
  auto store = open_store(tmp.path());
  const ImageFile file = make_image_file(ImageFormat::kPng, testing::image_fixture("small.png"));
  REQUIRE(store->put(file).is_ok());
  const fs::path path = fs::path(tmp.path()) / file.name();
  // Marked so a rewrite would show: the bytes on disk are changed by hand
  // (what put must not notice or undo: content-addressed, never rewritten).
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.put('X');
  }
  REQUIRE(store->put(file).is_ok());
  CHECK(store->get(file.name())->value()[0] == 'X');
  CHECK(files_in(tmp.path()) == 1);
}

TEST_CASE("images local store: puts of one name from several threads leave one whole file") {
  orderly::testing::TempDir tmp;
  auto store = open_store(tmp.path());
  const ImageFile file = make_image_file(ImageFormat::kJpeg, testing::image_fixture("large.jpg"));
  std::vector<Status> results(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i)
    threads.emplace_back([&, i] { results[i] = store->put(file); });
  for (auto& t : threads)
    t.join();
  for (const Status& st : results)
    CHECK_MESSAGE(st.is_ok(), st.to_string());
  CHECK(files_in(tmp.path()) == 1);  // no temporary left behind
  CHECK(verify_local_image_store(tmp.path(), {file.name()})->empty());
}

TEST_CASE("images local store: names that are not image names are never looked up") {
  orderly::testing::TempDir tmp;
  const fs::path dir = fs::path(tmp.path()) / "images";
  auto store = open_store(dir);
  // A file outside the store that a climbing name would reach.
  std::ofstream(fs::path(tmp.path()) / "secret.jpg") << "secret";
  std::ofstream(dir / "notes.txt") << "notes";
  for (const std::string& name : std::vector<std::string>{
           "../secret.jpg", "notes.txt", "", "/etc/passwd", std::string(64, 'a') + ".gif",
           std::string(64, 'A') + ".jpg", "../" + std::string(61, 'a') + ".jpg"}) {
    CAPTURE(name);
    auto got = store->get(name);
    REQUIRE(got.is_ok());
    CHECK_FALSE(got->has_value());
    CHECK(*store->exists(name) == false);
  }
}

TEST_CASE("images local store: verify lists the missing and the damaged files") {
  orderly::testing::TempDir tmp;
  auto store = open_store(tmp.path());
  const ImageFile a = make_image_file(ImageFormat::kJpeg, testing::image_fixture("small.jpg"));
  const ImageFile b = make_image_file(ImageFormat::kPng, testing::image_fixture("small.png"));
  const ImageFile c = make_image_file(ImageFormat::kWebp, testing::image_fixture("small.webp"));
  for (const ImageFile* f : {&a, &b, &c})
    REQUIRE(store->put(*f).is_ok());
  const std::vector<std::string> names = {a.name(), b.name(), c.name()};
  auto clean = verify_local_image_store(tmp.path(), names);
  REQUIRE(clean.is_ok());
  CHECK(clean->empty());

  // One byte flipped in b, c deleted, a name never stored, a bad name.
  {
    std::fstream f(fs::path(tmp.path()) / b.name(),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(b.bytes.size() / 2));
    f.put(static_cast<char>(b.bytes[b.bytes.size() / 2] ^ 0x01));
  }
  fs::remove(fs::path(tmp.path()) / c.name());
  const std::string never = std::string(64, '0') + ".jpg";
  auto found = verify_local_image_store(tmp.path(), {a.name(), b.name(), c.name(), never, "x.jpg"});
  REQUIRE(found.is_ok());
  CHECK(*found == std::vector<std::string>{b.name(), c.name(), never, "x.jpg"});

  // Bytes that hash to their name but are not of its extension's format.
  const ImageFile misnamed{a.hash, ImageFormat::kPng, a.bytes};
  REQUIRE(store->put(misnamed).is_ok());
  CHECK(*verify_local_image_store(tmp.path(), {misnamed.name()}) ==
        std::vector<std::string>{misnamed.name()});

  CHECK_FALSE(verify_local_image_store(fs::path(tmp.path()) / "nowhere", names).is_ok());
}

TEST_CASE(
    "images local store: a copy for a backup takes every stored file and refuses a damaged one") {
  orderly::testing::TempDir tmp;
  const fs::path from = fs::path(tmp.path()) / "images";
  const fs::path to = fs::path(tmp.path()) / "backup" / "images";
  auto store = open_store(from);
  const ImageFile a = make_image_file(ImageFormat::kJpeg, testing::image_fixture("small.jpg"));
  const ImageFile b = make_image_file(ImageFormat::kPng, testing::image_fixture("small.png"));
  REQUIRE(store->put(a).is_ok());
  REQUIRE(store->put(b).is_ok());
  std::ofstream(from / (a.name() + ".tmp-0011223344556677")) << "half a file";
  auto copied = copy_local_image_store(from, to);
  REQUIRE_MESSAGE(copied.is_ok(), copied.status().to_string());
  CHECK(copied->copied == 2);
  CHECK(copied->damaged.empty());
  CHECK(files_in(to) == 2);
  CHECK(verify_local_image_store(to, {a.name(), b.name()})->empty());
  // Nothing to copy from: nothing copied.
  CHECK(copy_local_image_store(fs::path(tmp.path()) / "none", fs::path(tmp.path()) / "x")->copied ==
        0);
  // A damaged file is not carried into a backup, and is named.
  std::ofstream(from / b.name(), std::ios::binary | std::ios::trunc) << "damaged";
  const fs::path to2 = fs::path(tmp.path()) / "backup2";
  auto partial = copy_local_image_store(from, to2);
  REQUIRE(partial.is_ok());
  CHECK(partial->copied == 1);
  CHECK(partial->damaged == std::vector<std::string>{b.name()});
  CHECK(files_in(to2) == 1);
}
