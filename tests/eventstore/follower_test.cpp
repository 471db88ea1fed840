// Log followers (eventstore/log_follower.h) and the shared scan that feeds
// them (eventstore/log_tail.h): catch-up then live with no gap or duplicate
// at any hand-over, one read of each new stretch for every follower, a slow
// follower that falls behind the window and catches up from the store,
// backoff on errors, stop and start, and resuming from a durable checkpoint.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "eventstore/log_follower.h"
#include "eventstore/log_tail.h"
#include "tests/eventstore/store_fixture.h"
#include "tests/support/wait_until.h"

using namespace orderly;
using namespace orderly::eventstore;
using namespace orderly::testing;

namespace {

bool wait_until(const std::function<bool()>& cond,
                std::chrono::seconds timeout = std::chrono::seconds(60)) {
  return poll_until(cond, timeout, std::chrono::milliseconds(5));
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

// What one follower was handed, in the order it was handed.
struct Seen {
  std::mutex mu;
  std::vector<uint64_t> positions;

  SliceHandler handler(std::chrono::microseconds per_event = {}) {
    return each_event([this, per_event](const EventView& ev) {
      if (per_event.count() > 0)
        std::this_thread::sleep_for(per_event);
      std::lock_guard lock(mu);
      positions.push_back(ev.position());
      return Status::ok();
    });
  }
  // Every position of (after, last], once each, in order.
  void require_exactly(uint64_t after, uint64_t last) {
    std::lock_guard lock(mu);
    REQUIRE(positions.size() == last - after);
    for (uint64_t i = 0; i < positions.size(); ++i) {
      if (positions[i] != after + i + 1)
        FAIL("position " << after + i + 1 << " handed over as " << positions[i]);
    }
  }
};

}  // namespace

TEST_CASE("log follower: hand-over from catch-up to live under concurrent appends") {
  TempDir dir;
  auto store = open_store(dir.path());
  append_many(*store, 2, 500);  // a backlog to catch up on, from the store

  Seen seen;
  FollowerOptions options;
  options.max_chunk = 64;  // many catch-up rounds, so the hand-over happens mid-stream
  LogFollower follower(*store, "test", seen.handler(), options);
  REQUIRE(follower.start().is_ok());
  append_many(*store, 4, 400);  // live appends race the catch-up
  const uint64_t last = store->last_position();
  CHECK(last == 2600);
  REQUIRE(wait_until([&] { return follower.position() == last; }));
  follower.stop();
  seen.require_exactly(0, last);
  CHECK(follower.own_reads() > 0);  // the backlog came from the store
}

TEST_CASE("log follower: the shared scan hands the same events once to every follower, in order") {
  TempDir dir;
  auto store = open_store(dir.path());
  constexpr int kFollowers = 4;
  std::vector<std::unique_ptr<Seen>> seen;
  std::vector<std::unique_ptr<LogFollower>> followers;
  FollowerOptions options;
  options.idle_wait = std::chrono::seconds(5);  // patient: wait for the shared scan
  for (int i = 0; i < kFollowers; ++i) {
    seen.push_back(std::make_unique<Seen>());
    followers.push_back(std::make_unique<LogFollower>(*store, "f" + std::to_string(i),
                                                      seen.back()->handler(), options));
    REQUIRE(followers.back()->start().is_ok());
  }
  append_many(*store, 4, 500);
  const uint64_t last = store->last_position();
  REQUIRE(last == 2000);
  for (auto& f : followers)
    REQUIRE(wait_until([&] { return f->position() == last; }));
  const LogTailStats tail = store->tail().stats();
  for (int i = 0; i < kFollowers; ++i) {
    followers[i]->stop();
    seen[i]->require_exactly(0, last);
    // Nothing read twice: every follower took every event from the window.
    CHECK(followers[i]->own_reads() == 0);
    CHECK(followers[i]->failures() == 0);
  }
  // Each event went into the window once, for all four: as the writer
  // framed it (offered with its commit), or read back once.
  CHECK(tail.events == last);
  CHECK(tail.position == last);
  CHECK(tail.batches <= last);
  CHECK(tail.reads <= tail.batches);
}

TEST_CASE("log follower: live commits reach the window from the writer, with nothing read back") {
  TempDir dir;
  auto store = open_store(dir.path());
  append_many(*store, 1, 10);  // before anyone follows: the window starts after them
  Seen a, b;
  FollowerOptions options;
  options.start_after = store->last_position();
  LogFollower first(*store, "a", a.handler(), options);
  LogFollower second(*store, "b", b.handler(), options);
  REQUIRE(first.start().is_ok());
  REQUIRE(second.start().is_ok());
  // Commits one at a time, each waited for: every one follows on from the
  // window, so each is offered and none is read.
  for (int i = 0; i < 50; ++i) {
    append_many(*store, 1, 4);
    const uint64_t last = store->last_position();
    REQUIRE(wait_until([&] { return first.position() == last && second.position() == last; }));
  }
  first.stop();
  second.stop();
  a.require_exactly(10, store->last_position());
  b.require_exactly(10, store->last_position());
  const LogTailStats tail = store->tail().stats();
  CHECK(tail.reads == 0);
  CHECK(tail.batches == 200);  // a commit per append
  CHECK(tail.events == 200);
  CHECK(first.own_reads() == 0);
  CHECK(second.own_reads() == 0);
}

TEST_CASE("log follower: a types filter hands over only those events, and moves past the rest") {
  TempDir dir;
  auto store = open_store(dir.path());
  EventBatch mixed;
  for (int i = 0; i < 10; ++i) {
    mixed.add(EventType::kOrderPlaced, order_placed("o" + std::to_string(i), "u"));
    mixed.add(EventType::kOrderConfirmed, order_confirmed("o" + std::to_string(i)));
  }
  REQUIRE(store->append("order-x", ExpectedVersion::any(), mixed.span()).is_ok());
  std::vector<uint64_t> confirmed;
  FollowerOptions options;
  options.types = {EventType::kOrderConfirmed};
  options.max_chunk = 3;
  LogFollower follower(*store, "confirmations", each_event([&](const EventView& ev) {
    CHECK(ev.type() == EventType::kOrderConfirmed);
    confirmed.push_back(ev.position());
    return Status::ok();
  }),
                       options);
  REQUIRE(follower.start().is_ok());
  REQUIRE(store->append("order-y", ExpectedVersion::any(), mixed.span()).is_ok());  // live
  REQUIRE(wait_until([&] { return follower.position() == 40; }));
  follower.stop();
  REQUIRE(confirmed.size() == 20);
  for (size_t i = 0; i < confirmed.size(); ++i)
    CHECK(confirmed[i] == 2 * (i + 1));
}

TEST_CASE(
    "log follower: a slow follower falls behind the window, reads the store, and catches up") {
  TempDir dir;
  StoreOptions small;
  small.follower_window = 64;  // positions: the slow one falls out of it at once
  auto store = open_store(dir.path(), small);
  Seen fast, slow;
  FollowerOptions options;
  options.max_chunk = 16;
  LogFollower quick(*store, "quick", fast.handler(), options);
  LogFollower laggard(*store, "laggard", slow.handler(std::chrono::milliseconds(1)), options);
  REQUIRE(quick.start().is_ok());
  REQUIRE(laggard.start().is_ok());
  auto burst_of_50 = orders(50);
  for (int burst = 0; burst < 40; ++burst) {
    REQUIRE(store->append("order-b", ExpectedVersion::any(), burst_of_50.span()).is_ok());
    // The fast one keeps up; the slow one is not waited for.
    REQUIRE(wait_until([&] { return quick.position() == store->last_position(); }));
  }
  const uint64_t last = store->last_position();
  REQUIRE(last == 2000);
  CHECK(laggard.position() < last);  // 2000 events at 1 ms each: still behind
  REQUIRE(wait_until([&] { return laggard.position() == last; }));
  quick.stop();
  laggard.stop();
  fast.require_exactly(0, last);
  slow.require_exactly(0, last);
  CHECK(laggard.own_reads() > 0);  // it left the window and read the store itself
  CHECK(store->tail().stats().events == last);
}

TEST_CASE("log follower: a failing read backs off instead of spinning, and says why") {
  TempDir dir;
  auto store = open_store(dir.path());
  append_many(*store, 1, 10);
  REQUIRE(store->close().is_ok());  // every read from now on fails: shutting_down
  FollowerOptions options;
  options.backoff = {std::chrono::milliseconds(10), std::chrono::milliseconds(200)};
  std::atomic<int> reported{0};
  options.on_error = [&](const Status&) { reported.fetch_add(1); };
  Seen seen;
  LogFollower follower(*store, "unlucky", seen.handler(), options);
  REQUIRE(follower.start().is_ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const uint64_t failures = follower.failures();
  follower.stop();
  // 10, 20, 40, 80, 160, then every 200 ms: about 10 in 1.5 s. A tight loop
  // would have made hundreds of thousands.
  CHECK(failures >= 3);
  CHECK(failures <= 20);
  CHECK(reported.load() == static_cast<int>(failures));
  CHECK(follower.last_error().code() == ErrorCode::kShuttingDown);
  CHECK(follower.position() == 0);
  CHECK(seen.positions.empty());
}

TEST_CASE(
    "log follower: a failing handler gets the same event again after a backoff, nothing skipped") {
  TempDir dir;
  auto store = open_store(dir.path());
  append_many(*store, 1, 5);
  std::vector<uint64_t> seen;
  int failures_left = 3;
  FollowerOptions options;
  options.backoff = {std::chrono::milliseconds(1), std::chrono::milliseconds(4)};
  LogFollower follower(*store, "flaky", each_event([&](const EventView& ev) {
    if (ev.position() == 3 && failures_left > 0) {
      --failures_left;
      return Status::io_error("smtp down");
    }
    seen.push_back(ev.position());
    return Status::ok();
  }),
                       options);
  REQUIRE(follower.start().is_ok());
  REQUIRE(wait_until([&] { return follower.position() == 5; }));
  follower.stop();
  CHECK(seen == std::vector<uint64_t>{1, 2, 3, 4, 5});
  CHECK(follower.failures() == 3);
  CHECK(follower.last_error().is_ok());  // it worked in the end
}

TEST_CASE("log follower: stopped and started again, it goes on from where it stopped") {
  TempDir dir;
  auto store = open_store(dir.path());
  append_many(*store, 1, 10);
  Seen seen;
  LogFollower follower(*store, "again", seen.handler());
  REQUIRE(follower.start().is_ok());
  REQUIRE(wait_until([&] { return follower.position() == 10; }));
  follower.stop();
  follower.stop();  // idempotent
  append_many(*store, 1, 10);
  CHECK(follower.position() == 10);
  REQUIRE(follower.start().is_ok());
  CHECK(!follower.start().is_ok());  // already running
  append_many(*store, 1, 10);
  REQUIRE(wait_until([&] { return follower.position() == 30; }));
  follower.stop();
  seen.require_exactly(0, 30);
}

TEST_CASE("log follower: resumes after its durable checkpoint, also after a reopen") {
  TempDir dir;
  Seen seen;
  {
    auto store = open_store(dir.path());
    append_many(*store, 1, 10);
    FollowerOptions options;
    options.checkpoints = store.get();
    LogFollower follower(*store, "mailer", seen.handler(), options);
    REQUIRE(follower.start().is_ok());
    REQUIRE(wait_until([&] { return follower.position() == 10; }));
    follower.stop();
  }
  auto store = open_store(dir.path());
  CHECK(*store->load_checkpoint("mailer") == 10);
  append_many(*store, 1, 5);
  FollowerOptions options;
  options.checkpoints = store.get();
  LogFollower follower(*store, "mailer", seen.handler(), options);
  REQUIRE(follower.start().is_ok());
  REQUIRE(wait_until([&] { return follower.position() == 15; }));
  // Saved as it goes, not only at stop.
  REQUIRE(wait_until([&] { return *store->load_checkpoint("mailer") == 15; }));
  follower.stop();
  seen.require_exactly(0, 15);
}

TEST_CASE("log follower: started behind its checkpoint, it never saves one further back") {
  TempDir dir;
  auto store = open_store(dir.path());
  append_many(*store, 1, 20);
  REQUIRE(store->save_checkpoint("fanout", 15).is_ok());
  FollowerOptions options;
  options.checkpoints = store.get();
  options.start_after = 5;  // a republish margin, as the NATS fan-out has
  options.max_chunk = 2;
  std::vector<uint64_t> seen_positions;
  uint64_t lowest_checkpoint = 20;
  LogFollower follower(*store, "fanout", each_event([&](const EventView& ev) {
    lowest_checkpoint = std::min(lowest_checkpoint, *store->load_checkpoint("fanout"));
    seen_positions.push_back(ev.position());
    return Status::ok();
  }),
                       options);
  REQUIRE(follower.start().is_ok());
  REQUIRE(wait_until([&] { return follower.position() == 20; }));
  follower.stop();
  CHECK(lowest_checkpoint == 15);
  REQUIRE(seen_positions.size() == 15);
  CHECK(seen_positions.front() == 6);
  CHECK(seen_positions.back() == 20);
  CHECK(*store->load_checkpoint("fanout") == 20);
}

TEST_CASE("read_event: a recent event comes from the window, the same as from the store") {
  TempDir dir;
  auto store = open_store(dir.path());
  append_many(*store, 1, 10);  // before anyone follows: only in RocksDB
  Seen seen;
  FollowerOptions options;
  options.start_after = store->last_position();
  LogFollower follower(*store, "a", seen.handler(), options);
  REQUIRE(follower.start().is_ok());
  append_many(*store, 2, 20);
  const uint64_t last = store->last_position();
  REQUIRE(wait_until([&] { return follower.position() == last; }));
  CHECK(store->tail().recent(5) == nullptr);  // older than the window
  for (uint64_t p = 11; p <= last; ++p) {
    CAPTURE(p);
    const auto batch = store->tail().recent(p);
    REQUIRE(batch != nullptr);
    CHECK(batch->first <= p);
    CHECK(batch->last >= p);
    auto from_window = store->read_event(p);
    REQUIRE(from_window.is_ok());
    CHECK(from_window->view().position() == p);
    CHECK(from_window->view().stream() == batch->events[p - batch->first].stream());
  }
  CHECK(store->tail().recent(last + 1) == nullptr);
  CHECK(store->read_event(last + 1).status().code() == ErrorCode::kNotFound);
  follower.stop();
  // Nobody follows: the window is dropped, and the same bytes come from RocksDB.
  CHECK(store->tail().recent(last) == nullptr);
  auto from_store = store->read_event(last);
  REQUIRE(from_store.is_ok());
  CHECK(from_store->view().position() == last);
}
