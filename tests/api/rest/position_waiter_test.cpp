// PositionWaiter (api/rest/position_waiter.h) over a real store and runner:
// a wait is answered by the thread that applied its position, at once when
// already applied, with false at its deadline when the position never
// comes, and every wait is answered at stop.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "api/rest/position_waiter.h"
#include "projections/catalog.h"
#include "projections/read_model_store.h"
#include "projections/runner.h"
#include "tests/support/live_writer.h"

using namespace orderly;
using namespace orderly::testing;
using namespace std::chrono_literals;

TEST_CASE_FIXTURE(LiveWriter, "position waiter: answered by the model's news, deadlines, stop") {
  auto rows = std::move(projections::ReadModelStore::open(dir.sub("data/readmodels")).value());
  projections::CatalogReadModel catalog;
  projections::ProjectionRunner runner(*store, *rows, {&catalog});
  REQUIRE(runner.start().is_ok());
  api::rest::PositionWaiter waiter(runner);

  // A position already applied: answered at once, on this thread.
  bool now = false;
  waiter.when_applied("catalog", 0, 1s, [&](bool applied) { now = applied; });
  CHECK(now);

  // A position still to come: answered (true) by the thread that applies
  // it, once the command is made; never by this one.
  const uint64_t next = store->last_position() + 1;
  std::promise<std::thread::id> answered_on;
  std::atomic<bool> result{false};
  waiter.when_applied("catalog", next, 60s, [&](bool applied) {
    result = applied;
    answered_on.set_value(std::this_thread::get_id());
  });
  CHECK(waiter.pending() == 1);
  REQUIRE(writer->execute(espresso_cup(5), meta_for(commands::Role::kAdmin)).is_ok());
  auto answer = answered_on.get_future();
  REQUIRE(answer.wait_for(60s) == std::future_status::ready);
  CHECK(answer.get() != std::this_thread::get_id());
  CHECK(result.load());
  CHECK(waiter.pending() == 0);

  // A position the log does not reach: false at the deadline.
  std::promise<bool> late;
  const auto asked = std::chrono::steady_clock::now();
  waiter.when_applied("catalog", next + 1000, 50ms, [&](bool applied) { late.set_value(applied); });
  auto late_answer = late.get_future();
  REQUIRE(late_answer.wait_for(60s) == std::future_status::ready);
  CHECK_FALSE(late_answer.get());
  CHECK(std::chrono::steady_clock::now() - asked >= 50ms);

  // Stopped: what waits is told no, and later waits are answered at once.
  bool at_stop = true, after_stop = true;
  waiter.when_applied("catalog", next + 1000, 60s, [&](bool applied) { at_stop = applied; });
  waiter.stop();
  CHECK_FALSE(at_stop);
  waiter.when_applied("catalog", next + 1000, 60s, [&](bool applied) { after_stop = applied; });
  CHECK_FALSE(after_stop);
  REQUIRE(runner.stop().is_ok());
}
