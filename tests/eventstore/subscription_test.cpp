// Subscriptions: catch-up then live with no gap or duplicate at the
// hand-over, and resume from a durable checkpoint.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "eventstore/subscription.h"
#include "tests/eventstore/store_fixture.h"

using namespace orderly;
using namespace orderly::eventstore;
using namespace orderly::testing;

namespace {

bool wait_until(const std::function<bool()>& cond,
                std::chrono::seconds timeout = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

void append_many(EventStore& store, int writers, int per_writer) {
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      auto one = orders(1);
      for (int i = 0; i < per_writer; ++i) {
        auto r = store.append("order-" + std::to_string(w), ExpectedVersion::any(), one.span());
        REQUIRE(r.is_ok());
      }
    });
  }
  for (auto& t : threads)
    t.join();
}

}  // namespace

TEST_CASE("subscription: hand-over from catch-up to live under concurrent appends") {
  TempDir dir;
  auto store = open_store(dir.path());
  append_many(*store, 2, 500);  // a backlog to catch up on

  std::mutex mu;
  std::vector<uint64_t> seen;
  SubscriptionOptions options;
  options.max_chunk = 64;  // many catch-up rounds, so the hand-over happens mid-stream
  Subscription sub(
      *store, "test",
      [&](const EventView& ev) {
        std::lock_guard lock(mu);
        seen.push_back(ev.position());
        return Status::ok();
      },
      options);
  REQUIRE(sub.start().is_ok());
  append_many(*store, 4, 400);  // live appends race the catch-up
  const uint64_t last = store->last_position();
  CHECK(last == 2600);
  REQUIRE(wait_until([&] { return sub.position() == last; }));
  sub.stop();
  std::lock_guard lock(mu);
  REQUIRE(seen.size() == last);
  for (uint64_t i = 0; i < last; ++i) {
    if (seen[i] != i + 1)
      FAIL("position " << i + 1 << " delivered as " << seen[i]);
  }
}

TEST_CASE("subscription: resumes after its durable checkpoint, also after a reopen") {
  TempDir dir;
  std::vector<uint64_t> seen;
  auto handler = [&](const EventView& ev) {
    seen.push_back(ev.position());
    return Status::ok();
  };
  {
    auto store = open_store(dir.path());
    append_many(*store, 1, 10);
    Subscription sub(*store, "mailer", handler);
    REQUIRE(sub.start().is_ok());
    REQUIRE(wait_until([&] { return sub.position() == 10; }));
    sub.stop();
  }
  auto store = open_store(dir.path());
  CHECK(*store->load_checkpoint("mailer") == 10);
  append_many(*store, 1, 5);
  Subscription sub(*store, "mailer", handler);
  REQUIRE(sub.start().is_ok());
  REQUIRE(wait_until([&] { return sub.position() == 15; }));
  sub.stop();
  REQUIRE(seen.size() == 15);
  for (uint64_t i = 0; i < 15; ++i)
    CHECK(seen[i] == i + 1);
}

TEST_CASE("subscription: a failing handler gets the same event again, nothing skipped") {
  TempDir dir;
  auto store = open_store(dir.path());
  append_many(*store, 1, 5);
  std::vector<uint64_t> seen;
  int failures_left = 3;
  SubscriptionOptions options;
  options.retry_backoff = std::chrono::milliseconds(1);
  Subscription sub(
      *store, "flaky",
      [&](const EventView& ev) {
        if (ev.position() == 3 && failures_left > 0) {
          --failures_left;
          return Status::io_error("smtp down");
        }
        seen.push_back(ev.position());
        return Status::ok();
      },
      options);
  REQUIRE(sub.start().is_ok());
  REQUIRE(wait_until([&] { return sub.position() == 5; }));
  sub.stop();
  CHECK(seen == std::vector<uint64_t>{1, 2, 3, 4, 5});
}
