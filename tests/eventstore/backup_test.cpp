// Online backup while appends go on, and restore.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "eventstore/backup.h"
#include "eventstore/verify.h"
#include "tests/eventstore/store_fixture.h"

using namespace orderly;
using namespace orderly::eventstore;
using namespace orderly::testing;

TEST_CASE("backup: consistent while a writer appends, then restorable") {
  TempDir dir;
  const std::string data = dir.sub("data"), backup = dir.sub("backup"),
                    restored = dir.sub("restored");
  uint64_t at_backup = 0;
  {
    auto store = open_store(data);
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      auto batch = orders(3);
      for (int i = 0; !stop.load(); ++i) {
        REQUIRE(
            store->append("order-" + std::to_string(i), ExpectedVersion::no_stream(), batch.span())
                .is_ok());
      }
    });
    REQUIRE(store->wait_for_position(300, std::chrono::seconds(60)));
    REQUIRE(store->backup_to(backup).is_ok());
    at_backup = store->last_position();
    REQUIRE(store->wait_for_position(at_backup + 30, std::chrono::seconds(60)));
    stop = true;
    writer.join();
  }
  auto report = verify_data_dir(backup);
  REQUIRE(report.is_ok());
  CHECK_MESSAGE(report->ok(), (report->problems.empty() ? "" : report->problems.front()));
  CHECK(report->last_position >= 300);
  CHECK(report->last_position <= at_backup);
  CHECK(report->last_position % 3 == 0);  // whole appends only

  REQUIRE(restore_data_dir(backup, restored, false).is_ok());
  auto store = open_store(restored);
  CHECK(store->last_position() == report->last_position);
  auto e = store->read_event(store->last_position());
  REQUIRE(e.is_ok());
  CHECK(e->view().version() == 3);
}

TEST_CASE("backup: beside a process holding the store, via a read-only snapshot") {
  TempDir dir;
  const std::string data = dir.sub("data"), backup = dir.sub("backup");
  auto store = open_store(data);  // holds the lock, like a running server
  auto batch = orders(4);
  for (int i = 0; i < 50; ++i) {
    REQUIRE(store->append("order-" + std::to_string(i), ExpectedVersion::no_stream(), batch.span())
                .is_ok());
  }
  REQUIRE(backup_data_dir(data, backup).is_ok());
  auto report = verify_data_dir(backup);
  REQUIRE(report.is_ok());
  CHECK(report->ok());
  CHECK(report->last_position == 200);
  CHECK(backup_data_dir(data, backup).code() == ErrorCode::kAlreadyExists);
}

TEST_CASE("restore: refuses to overwrite a store without force, keeps the old one aside with it") {
  TempDir dir;
  const std::string data = dir.sub("data"), backup = dir.sub("backup");
  {
    auto store = open_store(data);
    auto batch = orders(2);
    REQUIRE(store->append("order-1", ExpectedVersion::no_stream(), batch.span()).is_ok());
  }
  REQUIRE(backup_data_dir(data, backup).is_ok());
  {
    auto store = open_store(data);
    auto batch = orders(2);
    REQUIRE(store->append("order-2", ExpectedVersion::no_stream(), batch.span()).is_ok());
  }
  CHECK(restore_data_dir(backup, data, false).code() == ErrorCode::kAlreadyExists);
  {
    auto held = open_store(data);  // in use: refused even with force
    CHECK(restore_data_dir(backup, data, true).code() == ErrorCode::kBusy);
  }
  REQUIRE(restore_data_dir(backup, data, true).is_ok());
  auto store = open_store(data);
  CHECK(store->last_position() == 2);
  int aside = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().filename().string().starts_with("data.before-restore-"))
      ++aside;
  }
  CHECK(aside == 1);
  CHECK(restore_data_dir(dir.sub("nothing"), data, true).code() == ErrorCode::kNotFound);
}
