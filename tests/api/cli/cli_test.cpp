// The `orderly` binary, run as a user runs it: exit codes and output of
// verify, backup, restore and serve.
#include <doctest/doctest.h>

#include <rocksdb/db.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/images/local_image_store.h"
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
