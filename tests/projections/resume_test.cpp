// A read model killed mid-way resumes to exactly the state of an
// uninterrupted run.
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <random>
#include <shared_mutex>

#include "commands/processor.h"
#include "core/ids.h"
#include "projections/catalog.h"
#include "projections/runner.h"
#include "tests/projections/folding.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

TEST_CASE("projection kill-and-resume: SIGKILL mid-way, resume equals a clean rebuild") {
  TempDir dir;
  const std::string data = dir.sub("data"), rows_dir = dir.sub("readmodels");
  {
    auto store = std::move(eventstore::EventStore::open(data).value());
    auto writer = std::move(CommandProcessor::start(*store).value());
    CommandMeta admin;
    admin.role = Role::kAdmin;
    std::vector<Uuid> products;
    for (int i = 0; i < 50; ++i) {
      CreateProduct c;
      c.product_id = *Uuid::parse(new_uuid_v7());
      c.sku = "S" + std::to_string(i);
      c.name = "Product " + std::to_string(i);
      c.category = "c" + std::to_string(i % 5);
      c.price_cents = 100 + i;
      c.stock = 100000;
      REQUIRE(writer->execute(c, admin).is_ok());
      products.push_back(c.product_id);
    }
    std::mt19937 rng(11);
    std::vector<std::future<Result<CommandReply>>> pending;
    for (int i = 0; i < 6000; ++i) {
      CommandMeta user;
      user.actor = *Uuid::parse(new_uuid_v7());
      PlaceOrder place{*Uuid::parse(new_uuid_v7()),
                       {{products[rng() % 50], 1 + static_cast<int64_t>(rng() % 3)}},
                       "",
                       900'000'000};
      pending.push_back(writer->submit(place, user));
      if (i % 3 == 0)
        pending.push_back(
            writer->submit(ChangeOrderStatus{place.order_id, OrderStatus::kConfirmed}, admin));
    }
    for (auto& f : pending)
      REQUIRE(f.get().is_ok());
  }
  std::mt19937 rng(std::random_device{}());
  uint64_t killed_at = 0;
  uint64_t log_end = 0;
  {
    eventstore::StoreOptions ro;
    ro.read_only = true;
    log_end = std::move(eventstore::EventStore::open(data, ro).value())->last_position();
  }
  bool mid_way = false;
  // At least 3 kills, until one lands between the first snapshot and the
  // end. The wait before a kill adapts to the machine's speed (a sanitizer
  // build or a busy machine folds many times slower): longer while no
  // snapshot was saved yet, shorter once a run got to the end.
  int wait_ms = 8;
  for (int round = 0; round < 12 && (round < 3 || !mid_way); ++round) {
    ChildProcess child({ORDERLY_RESUME_CHILD, data, rows_dir});
    REQUIRE(child.read_line(std::chrono::seconds(60)).has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms / 2 + rng() % wait_ms));
    child.kill_hard();
    CHECK(child.wait() == 128 + SIGKILL);
    auto rows = std::move(ReadModelStore::open(rows_dir).value());
    killed_at = *rows->position("catalog");
    MESSAGE("round " << round << ": killed with its snapshot at " << killed_at << " of "
                     << log_end);
    mid_way = mid_way || (killed_at > 0 && killed_at < log_end);
    if (killed_at == 0)
      wait_ms = std::min(wait_ms * 2, 4000);
    else if (killed_at == log_end)
      wait_ms = std::max(wait_ms / 2, 2);
  }
  CHECK_MESSAGE(mid_way, "no kill landed while the model was catching up");
  eventstore::StoreOptions ro;
  ro.read_only = true;
  auto store = std::move(eventstore::EventStore::open(data, ro).value());
  auto rows = std::move(ReadModelStore::open(rows_dir).value());
  CatalogReadModel resumed;
  run_to_end(*store, *rows, resumed, std::chrono::seconds(120));
  CatalogReadModel reloaded;
  REQUIRE(*load_model(*rows, reloaded) == store->last_position());
  Rows stored = reloaded.rows();
  sort_rows(stored);
  Rows live;
  {
    std::shared_lock lock(resumed.mutex());
    live = resumed.rows();
  }
  sort_rows(live);
  CHECK(live == stored);
  CatalogReadModel clean;
  auto expected = rebuild_rows(*store, clean);
  REQUIRE(expected.is_ok());
  sort_rows(*expected);
  REQUIRE(stored.size() == expected->size());
  for (size_t i = 0; i < stored.size(); ++i) {
    CAPTURE(stored[i].first);
    REQUIRE(stored[i] == (*expected)[i]);
  }
}
