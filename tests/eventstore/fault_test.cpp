// Faults under the store: failed fsyncs and a full disk, through a
// fault-injecting RocksDB file system.
#include <doctest/doctest.h>

#include <mutex>
#include <thread>

#include "eventstore/verify.h"
#include "tests/eventstore/store_fixture.h"
#include "tests/support/faulty_fs.h"

using namespace orderly;
using namespace orderly::eventstore;
using namespace orderly::testing;

namespace {

// A store's directory on a file system whose faults the test switches on;
// `options` open a store there.
struct FaultyDisk {
  TempDir dir;
  FaultSwitches faults;
  StoreOptions options = [this] {
    StoreOptions o;
    o.env = make_faulty_env(faults);
    return o;
  }();
};

}  // namespace

TEST_CASE_FIXTURE(FaultyDisk,
                  "fault: a failed fsync is never acknowledged, and nothing after it either") {
  auto one = orders(1);
  {
    auto store = open_store(dir.path(), options);
    REQUIRE(store->append("order-a", ExpectedVersion::no_stream(), one.span(), "cmd-a").is_ok());
    const uint64_t durable = store->last_position();

    faults.fail_wal_sync = true;
    auto b = store->append("order-b", ExpectedVersion::no_stream(), one.span(), "cmd-b");
    REQUIRE_FALSE(b.is_ok());
    CHECK(b.status().code() == ErrorCode::kIOError);
    CHECK(faults.failed_syncs.load() >= 1);
    faults.fail_wal_sync = false;

    // Even with a healthy disk again, this process acknowledges nothing more:
    // a second fsync could "succeed" over pages the first one lost.
    auto c = store->append("order-c", ExpectedVersion::no_stream(), one.span(), "cmd-c");
    REQUIRE_FALSE(c.is_ok());
    CHECK(c.status().message().find("reopen") != std::string::npos);
    // A retry of the failed command is refused too, not answered from memory.
    CHECK_FALSE(
        store->append("order-b", ExpectedVersion::no_stream(), one.span(), "cmd-b").is_ok());
    CHECK(store->last_position() == durable);
    CHECK(store->read_event(durable + 1).status().code() == ErrorCode::kNotFound);
    // close() completes, and still reports the failure it is closing over.
    const Status closed = store->close();
    MESSAGE("close after a failed fsync: " << closed.to_string());
    CHECK(closed.code() == ErrorCode::kIOError);
  }
  // Reopened: the durable prefix is there; the ambiguous batch may or may not
  // be; a retry with its command id settles it without doubling.
  auto store = open_store(dir.path());
  auto retry = store->append("order-b", ExpectedVersion::no_stream(), one.span(), "cmd-b");
  REQUIRE_MESSAGE(retry.is_ok(), retry.status().to_string());
  CHECK(*store->stream_version("order-b") == 1);
  CHECK(*store->stream_version("order-a") == 1);
  REQUIRE(store->close().is_ok());
  auto report = verify_data_dir(dir.path());
  REQUIRE(report.is_ok());
  CHECK(report->ok());
}

TEST_CASE_FIXTURE(FaultyDisk,
                  "fault: retries of an in-flight command fail with it when its fsync fails") {
  auto store = open_store(dir.path(), options);
  auto one = orders(1);
  faults.fail_wal_sync = true;
  const StreamWrite w[] = {{"order-x", ExpectedVersion::no_stream(), one.span()}};
  const AppendRequest req{w, "cmd-x", 0};
  std::mutex mu;
  std::vector<bool> ok;
  for (int i = 0; i < 5; ++i) {
    (void)store->submit_batch(std::span(&req, 1), [&](AppendResults r) {
      std::lock_guard lock(mu);
      ok.push_back(r[0].is_ok());
    });
  }
  (void)store->close();  // reports the failed fsync; every ticket is answered first
  REQUIRE(ok.size() == 5);
  for (bool b : ok)
    CHECK_FALSE(b);  // the original and every duplicate of it
}

TEST_CASE_FIXTURE(FaultyDisk,
                  "fault: a full disk fails the append clearly and loses nothing acknowledged") {
  auto one = orders(1);
  uint64_t acknowledged = 0;
  {
    auto store = open_store(dir.path(), options);
    REQUIRE(store->append("order-1", ExpectedVersion::no_stream(), one.span()).is_ok());
    acknowledged = store->last_position();
    faults.fail_wal_append = true;
    auto full = store->append("order-2", ExpectedVersion::no_stream(), one.span(), "cmd-2");
    REQUIRE_FALSE(full.is_ok());
    CHECK(full.status().code() == ErrorCode::kInsufficientStorage);  // 507 at the API
    CHECK(full.status().message().find("No space") != std::string::npos);
    faults.fail_wal_append = false;
    // Space is back: RocksDB recovers by itself (Resume() says busy while it
    // does); the store resumes without a restart.
    Result<AppendResult> after = Status::internal("not tried");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      after = store->append("order-2", ExpectedVersion::no_stream(), one.span(), "cmd-2");
      if (after.is_ok())
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE_MESSAGE(after.is_ok(), after.status().to_string());
    CHECK(after->first_position == acknowledged + 1);
  }
  auto store = open_store(dir.path());
  CHECK(store->last_position() >= acknowledged);
  CHECK(store->read_event(acknowledged).is_ok());
  REQUIRE(store->append("order-2", ExpectedVersion::any(), one.span(), "cmd-2").is_ok());
  CHECK(*store->stream_version("order-2") == 1);  // never doubled
}
