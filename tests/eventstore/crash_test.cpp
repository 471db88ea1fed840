// Kill -9 at random moments while a child appends; after each reopen every
// acknowledged event must be there, positions gapless, index agreeing.
// ORDERLY_CRASH_ITERATIONS sets the number of kills (default 12; the long
// form by hand: ORDERLY_CRASH_ITERATIONS=200).
#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <random>
#include <sstream>
#include <thread>

#include "eventstore/verify.h"
#include "tests/eventstore/store_fixture.h"
#include "tests/support/process.h"

using namespace orderly;
using namespace orderly::eventstore;
using namespace orderly::testing;

namespace {

struct Ack {
  uint64_t first, last;
  int thread;
  uint64_t i;
};

int iterations() {
  const char* env = std::getenv("ORDERLY_CRASH_ITERATIONS");
  return env ? std::atoi(env) : 12;
}

}  // namespace

TEST_CASE("crash: SIGKILL during appends loses nothing acknowledged") {
  TempDir dir;
  const std::string data = dir.sub("data");
  std::mt19937 rng(std::random_device{}());
  constexpr int kThreads = 4;
  uint64_t total_acked = 0;
  const int runs = iterations();
  for (int run = 0; run < runs; ++run) {
    CAPTURE(run);
    std::vector<Ack> acks;
    {
      // The child appends until it is killed at a random moment.
      auto run = run_then_kill({ORDERLY_CRASH_CHILD, data, std::to_string(kThreads)},
                               std::chrono::milliseconds(rng() % 250));
      REQUIRE_MESSAGE(!run.lines.empty(), "the child never acknowledged an append");
      CHECK(run.exit_status == 128 + SIGKILL);
      const auto& lines = run.lines;
      for (const auto& l : lines) {
        std::istringstream in(l);
        Ack a{};
        in >> a.first >> a.last >> a.thread >> a.i;
        REQUIRE_MESSAGE(!in.fail(), "bad line from child: " << l);
        acks.push_back(a);
      }
    }
    total_acked += acks.size();

    auto store = open_store(data);
    for (const Ack& a : acks) {
      const std::string order = "order-" + std::to_string(a.thread) + "-" + std::to_string(a.i);
      REQUIRE(a.last == a.first + 2);
      auto e = store->read_event(a.first);
      REQUIRE_MESSAGE(e.is_ok(),
                      "acknowledged position " << a.first << " lost: " << e.status().to_string());
      CHECK(e->view().stream() == order);
      CHECK(e->view().version() == 1);
      auto v = store->stream_version(order);
      REQUIRE(v.is_ok());
      CHECK(*v == 2);
    }
    // Multi-stream atomicity: every product-<t> version equals the number of
    // order-<t>-* streams, so the next order stream does not exist.
    for (int t = 0; t < kThreads; ++t) {
      const uint64_t n = *store->stream_version("product-" + std::to_string(t));
      if (n > 0) {
        CHECK(*store->stream_version("order-" + std::to_string(t) + "-" + std::to_string(n - 1)) ==
              2);
      }
      CHECK(*store->stream_version("order-" + std::to_string(t) + "-" + std::to_string(n)) == 0);
    }
    REQUIRE(store->close().is_ok());
    auto report = verify_data_dir(data);
    REQUIRE(report.is_ok());
    REQUIRE_MESSAGE(report->ok(), report->problems.front());
    CHECK(report->events == report->last_position);
  }
  MESSAGE(runs << " kills, " << total_acked << " acknowledged appends checked");
  CHECK(total_acked > 0);
}
