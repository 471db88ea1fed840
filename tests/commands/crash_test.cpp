// SIGKILL the single writer at random moments; after each restart every
// acknowledged command's effect is in the state rebuilt from the log, stock
// never goes wrong, and the log verifies. ORDERLY_CRASH_ITERATIONS scales it.
#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <random>
#include <unordered_map>

#include "commands/processor.h"
#include "eventstore/verify.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

TEST_CASE("processor crash: SIGKILL loses no acknowledged order or confirmation") {
  TempDir dir;
  const std::string data = dir.sub("data");
  const char* env = std::getenv("ORDERLY_CRASH_ITERATIONS");
  const int runs = env ? std::atoi(env) : 8;
  std::mt19937 rng(std::random_device{}());
  std::unordered_map<Uuid, OrderStatus, UuidHash> acknowledged;
  for (int run = 0; run < runs; ++run) {
    CAPTURE(run);
    {
      auto run = run_then_kill({ORDERLY_COMMANDS_CRASH_CHILD, data},
                               std::chrono::milliseconds(rng() % 300));
      REQUIRE_MESSAGE(!run.lines.empty(), "the writer never acknowledged a command");
      CHECK(run.exit_status == 128 + SIGKILL);
      const auto& lines = run.lines;
      for (const auto& l : lines) {
        const auto space = l.find(' ');
        REQUIRE(space != std::string::npos);
        auto id = Uuid::parse(l.substr(space + 1));
        REQUIRE(id.has_value());
        if (l.rfind("placed", 0) == 0) {
          acknowledged.try_emplace(*id, OrderStatus::kPending);
        } else {
          acknowledged[*id] = OrderStatus::kConfirmed;
        }
      }
    }
    auto store = std::move(eventstore::EventStore::open(data).value());
    auto state = rebuild_state(*store);
    REQUIRE(state.is_ok());
    for (const auto& [id, status] : acknowledged) {
      auto it = state->orders.find(id);
      REQUIRE_MESSAGE(it != state->orders.end(),
                      "acknowledged order " << id.to_string() << " lost");
      if (status == OrderStatus::kConfirmed)
        CHECK(it->second.status == OrderStatus::kConfirmed);
    }
    for (const auto& [id, p] : state->products) {
      CHECK(p.reserved >= 0);
      CHECK(p.reserved <= p.stock);
    }
    REQUIRE(store->close().is_ok());
    auto report = eventstore::verify_data_dir(data);
    REQUIRE(report.is_ok());
    REQUIRE_MESSAGE(report->ok(), report->problems.front());
  }
  MESSAGE(runs << " kills, " << acknowledged.size() << " acknowledged orders checked");
  CHECK(!acknowledged.empty());
}
