// The email notifier inside `orderly serve` (api/notify/email/email_notifier.h),
// in process: it sends nothing until it has read every notification event
// the log held at start. Before, a failed read of them marked it ready
// anyway (with an empty pending set: a restart could forget a failed
// email, or send one again); now the read is retried with a backoff.
#include <doctest/doctest.h>

#include <thread>

#include "api/notify/email/email_notifier.h"
#include "commands/processor.h"
#include "eventstore/store.h"
#include "projections/registry.h"
#include "projections/runner.h"
#include "tests/support/faulty_fs.h"
#include "tests/support/ids.h"
#include "tests/support/sample_events.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::testing;

TEST_CASE("email notifier: not ready while the log cannot be read, then ready once it can") {
  TempDir dir;
  FaultSwitches faults;
  eventstore::StoreOptions options;
  options.env = make_faulty_env(faults);
  const std::string data = dir.sub("store");
  {
    // A log of some blocks, closed: flushed to table files. (Opening reads
    // the last block into the block cache; the first ones are read from the
    // file.)
    eventstore::StoreOptions fast = options;
    fast.sync = eventstore::SyncMode::kNone;
    auto store = eventstore::EventStore::open(data, fast);
    REQUIRE(store.is_ok());
    for (int i = 0; i < 1000; ++i) {
      const std::string product = new_id().to_string();
      EventBatch created;
      created.add(EventType::kProductCreated, product_created(product, "Teapot", 1200, 5));
      REQUIRE((*store)
                  ->append("product-" + product, eventstore::ExpectedVersion::any(), created.span())
                  .is_ok());
    }
    REQUIRE((*store)->close().is_ok());
  }
  auto store = eventstore::EventStore::open(data, options);
  REQUIRE(store.is_ok());
  auto writer = commands::CommandProcessor::start(**store);
  REQUIRE(writer.is_ok());
  auto rows = projections::ReadModelStore::open(dir.sub("readmodels"));
  REQUIRE(rows.is_ok());
  projections::ProjectionRunner models(**store, **rows, projections::all_read_models_shared());
  REQUIRE(models.start().is_ok());
  REQUIRE(models.wait_for("catalog", (*store)->last_position(), std::chrono::seconds(30)));

  faults.fail_table_reads.store(true);  // the disk returns EIO from here on
  api::notify::email::EmailNotifierOptions mail;
  mail.delivery.outbox_dir = dir.sub("outbox");
  api::notify::email::EmailNotifier notifier(**store, **writer, models, mail);
  REQUIRE(notifier.start().is_ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto stats = notifier.stats();
  CHECK_FALSE(stats.ready);
  CHECK(faults.failed_reads.load() > 0);
  // Retried after a backoff (100 ms doubling), not at once: a handful of
  // tries in 1.5 s.
  CHECK(stats.read_failures >= 2);
  CHECK(stats.read_failures <= 10);

  faults.fail_table_reads.store(false);  // the disk is back
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const uint64_t last = (*store)->last_position();
  while ((!notifier.stats().ready || notifier.stats().position < last) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stats = notifier.stats();
  CHECK(stats.ready);
  CHECK(stats.position == last);  // the triggers' follower read past its failures too
  notifier.stop();
  (*writer)->stop();
  REQUIRE(models.stop().is_ok());
}
