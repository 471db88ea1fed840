// The `orderly` binary, run as a user runs it: exit codes and output of
// verify, backup, restore and serve.
#include <doctest/doctest.h>

#include <rocksdb/db.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/images/local_image_store.h"
#include "core/schemas/product_events_generated.h"
#include "eventstore/keys.h"
#include "eventstore/rocksdb_handle.h"
#include "eventstore/store.h"
#include "tests/support/process.h"
#include "tests/support/sample_events.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::testing;

namespace {

const std::string kOrderly = ORDERLY_BINARY;

void populate(const std::string& dir, int orders) {
  auto store = eventstore::EventStore::open(dir);
  REQUIRE(store.is_ok());
  EventBatch batch;
  batch.add(EventType::kOrderPlaced, order_placed("o", "u"));
  for (int i = 0; i < orders; ++i) {
    const std::string stream = "order-" + std::to_string(i);
    REQUIRE(
        (*store)->append(stream, eventstore::ExpectedVersion::no_stream(), batch.span()).is_ok());
  }
}

// A ProductImageAdded naming three stored files (original, thumb, medium).
Bytes image_added(const std::string& product_id,
                  const std::vector<orderly::api::images::ImageFile>& files) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<events::ImageFile>> refs;
  for (const auto& f : files) {
    refs.push_back(events::CreateImageFileDirect(
        fbb, f.hash.c_str(), std::string(orderly::api::images::extension_of(f.format)).c_str(),
        static_cast<int64_t>(f.bytes.size())));
  }
  fbb.Finish(events::CreateProductImageAddedDirect(fbb, product_id.c_str(), "img-1", refs[0],
                                                   refs[1], refs[2], 4, 3, "a cup"));
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

}  // namespace

TEST_CASE("orderly verify: exit 0 on a healthy log, 1 with the problem on a damaged copy") {
  TempDir dir;
  const std::string data = dir.sub("data");
  populate(data, 25);
  auto good = run_command({kOrderly, "verify", "--data-dir", data});
  CHECK(good.exit_code == 0);
  CHECK(good.output.find("25 events") != std::string::npos);
  CHECK(good.output.find("ok: positions gapless") != std::string::npos);

  const std::string copy = dir.sub("damaged");
  std::filesystem::copy(data, copy, std::filesystem::copy_options::recursive);
  {
    auto h = eventstore::open_rocksdb(copy, {.create_if_missing = false, .read_only = false});
    REQUIRE(h.is_ok());
    REQUIRE(h->db->Delete(rocksdb::WriteOptions(), h->log, eventstore::log_key(10)).ok());
  }
  auto bad = run_command({kOrderly, "verify", "--data-dir", copy});
  CHECK(bad.exit_code == 1);
  CHECK(bad.output.find("DAMAGED") != std::string::npos);
  CHECK(bad.output.find("gap in the log: expected a record at position 10") != std::string::npos);

  auto missing = run_command({kOrderly, "verify", "--data-dir", dir.sub("nope")});
  CHECK(missing.exit_code == 3);
}

TEST_CASE("orderly commands: a flag wins over its environment variable, which serves without it") {
  // Every subcommand binds --data-dir to one variable: the environment read
  // for the options of the subcommands not given must not overwrite it.
  TempDir dir;
  const std::string data = dir.sub("data");
  populate(data, 3);
  const std::string env_elsewhere = "ORDERLY_DATA_DIR=" + dir.sub("nope");
  auto flag = run_command({"/usr/bin/env", env_elsewhere, kOrderly, "verify", "--data-dir", data});
  CHECK(flag.exit_code == 0);
  CHECK(flag.output.find("3 events") != std::string::npos);
  auto replay =
      run_command({"/usr/bin/env", env_elsewhere, kOrderly, "replay", "--data-dir", data});
  CHECK(replay.exit_code == 0);
  CHECK(replay.output.find("\"position\":3") != std::string::npos);
  auto env_only = run_command({"/usr/bin/env", "ORDERLY_DATA_DIR=" + data, kOrderly, "verify"});
  CHECK(env_only.exit_code == 0);
  CHECK(env_only.output.find("3 events") != std::string::npos);
}

TEST_CASE("orderly backup and restore round-trip through the command line") {
  TempDir dir;
  const std::string data = dir.sub("data"), backup = dir.sub("backup"), target = dir.sub("target");
  populate(data, 10);
  auto b = run_command({kOrderly, "backup", backup, "--data-dir", data});
  REQUIRE(b.exit_code == 0);
  CHECK(b.output.find("verified") != std::string::npos);
  CHECK(run_command({kOrderly, "backup", backup, "--data-dir", data}).exit_code == 3);  // exists
  auto r = run_command({kOrderly, "restore", backup, "--data-dir", target});
  REQUIRE(r.exit_code == 0);
  CHECK(run_command({kOrderly, "restore", backup, "--data-dir", target}).exit_code ==
        2);  // needs --force
  CHECK(run_command({kOrderly, "restore", backup, "--data-dir", target, "--force"}).exit_code == 0);
  auto v = run_command({kOrderly, "verify", "--data-dir", target});
  CHECK(v.exit_code == 0);
  CHECK(v.output.find("10 events") != std::string::npos);
}

TEST_CASE("orderly backup and restore carry the image files, and report a damaged one") {
  TempDir dir;
  const std::string data = dir.sub("data"), backup = dir.sub("backup"), target = dir.sub("target");
  populate(data, 3);
  namespace images = orderly::api::images;
  auto store = images::open_local_image_store(data + "/images");
  REQUIRE(store.is_ok());
  const images::ImageFile a =
      images::make_image_file(images::ImageFormat::kPng, "\x89PNG\r\n\x1A\na");
  const images::ImageFile b =
      images::make_image_file(images::ImageFormat::kPng, "\x89PNG\r\n\x1A\nb");
  REQUIRE((*store)->put(a).is_ok());
  REQUIRE((*store)->put(b).is_ok());
  auto backed = run_command({kOrderly, "backup", backup, "--data-dir", data});
  REQUIRE(backed.exit_code == 0);
  CHECK(backed.output.find("2 image file(s)") != std::string::npos);
  CHECK(images::verify_local_image_store(backup + "/images", {a.name(), b.name()})->empty());
  REQUIRE(run_command({kOrderly, "restore", backup, "--data-dir", target}).exit_code == 0);
  CHECK(images::verify_local_image_store(target + "/images", {a.name(), b.name()})->empty());

  // A file damaged on disk: the backup copies the rest and says which.
  std::ofstream(data + "/images/" + b.name(), std::ios::binary | std::ios::trunc) << "rot";
  auto damaged = run_command({kOrderly, "backup", dir.sub("backup2"), "--data-dir", data});
  CHECK(damaged.exit_code == 1);
  CHECK(damaged.output.find("DAMAGED: 1 image file(s)") != std::string::npos);
  CHECK(damaged.output.find(b.name()) != std::string::npos);
  CHECK(std::filesystem::exists(dir.sub("backup2") + "/images/" + a.name()));
}

TEST_CASE("orderly verify: every image file the log refers to is present and intact") {
  TempDir dir;
  const std::string data = dir.sub("data");
  namespace images = orderly::api::images;
  const std::vector<images::ImageFile> files = {
      images::make_image_file(images::ImageFormat::kPng, std::string("\x89PNG\r\n\x1A\norig")),
      images::make_image_file(images::ImageFormat::kWebp, std::string("RIFF\0\0\0\0WEBPthumb", 17)),
      images::make_image_file(images::ImageFormat::kWebp,
                              std::string("RIFF\0\0\0\0WEBPmedium", 18))};
  {
    auto store = eventstore::EventStore::open(data);
    REQUIRE(store.is_ok());
    EventBatch batch;
    batch.add(EventType::kProductImageAdded, image_added("p1", files));
    REQUIRE(
        (*store)->append("product-p1", eventstore::ExpectedVersion::any(), batch.span()).is_ok());
  }
  // No image store at all: every referenced file is missing.
  auto none = run_command({kOrderly, "verify", "--data-dir", data});
  CHECK(none.exit_code == 1);
  CHECK(none.output.find("no local image store") != std::string::npos);

  auto image_store = images::open_local_image_store(data + "/images");
  REQUIRE(image_store.is_ok());
  for (const auto& f : files)
    REQUIRE((*image_store)->put(f).is_ok());
  auto good = run_command({kOrderly, "verify", "--data-dir", data});
  CHECK(good.exit_code == 0);
  CHECK(good.output.find("ok: 3 image files referenced by 1 events") != std::string::npos);

  // One file damaged on disk, one deleted: verify fails naming both.
  std::ofstream(data + "/images/" + files[0].name(), std::ios::binary | std::ios::trunc) << "rot";
  std::filesystem::remove(data + "/images/" + files[2].name());
  auto bad = run_command({kOrderly, "verify", "--data-dir", data});
  CHECK(bad.exit_code == 1);
  CHECK(bad.output.find("DAMAGED: 2 of 3 image file(s)") != std::string::npos);
  CHECK(bad.output.find(files[0].name()) != std::string::npos);
  CHECK(bad.output.find(files[2].name()) != std::string::npos);
  CHECK(bad.output.find(files[1].name()) == std::string::npos);

  // A backup then a restore bring back what was intact; the damage stays
  // visible to verify in the restored copy.
  const std::string backup = dir.sub("backup"), target = dir.sub("target");
  CHECK(run_command({kOrderly, "backup", backup, "--data-dir", data}).exit_code == 1);
  REQUIRE(run_command({kOrderly, "restore", backup, "--data-dir", target}).exit_code == 0);
  auto restored = run_command({kOrderly, "verify", "--data-dir", target});
  CHECK(restored.exit_code == 1);
  CHECK(restored.output.find(files[1].name()) == std::string::npos);
  CHECK(restored.output.find(files[0].name()) != std::string::npos);
}

TEST_CASE("orderly serve: creates the store, stops cleanly on SIGTERM, bad flags exit 2") {
  TempDir dir;
  const std::string data = dir.sub("data");
  {
    ChildProcess serve({kOrderly, "serve", "--data-dir", data, "--log-format", "json"});
    // Its log goes to stderr; wait on the condition "store exists and is locked".
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!std::filesystem::exists(data + "/LOCK") &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(std::filesystem::exists(data + "/LOCK"));
    // Signals are blocked before the store opens, so this SIGTERM is never lost.
    ::kill(serve.pid(), SIGTERM);
    CHECK(serve.wait() == 0);
  }
  CHECK(run_command({kOrderly, "verify", "--data-dir", data}).exit_code == 0);
  CHECK(run_command({kOrderly, "serve", "--sync", "sometimes", "--data-dir", data}).exit_code == 2);
  CHECK(run_command({kOrderly, "frobnicate"}).exit_code == 2);
  CHECK(run_command({kOrderly, "verify", "--help"}).exit_code == 0);
}
