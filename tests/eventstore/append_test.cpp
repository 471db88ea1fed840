// Appends: positions, versions, optimistic concurrency, atomicity, idempotency.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "tests/eventstore/store_fixture.h"

using namespace orderly;
using namespace orderly::eventstore;
using namespace orderly::testing;

TEST_CASE("append: positions and versions count from 1, gapless") {
  TempDir dir;
  auto store = open_store(dir.path());
  CHECK(store->last_position() == 0);
  auto batch = orders(3);
  auto r = store->append("order-1", ExpectedVersion::no_stream(), batch.span());
  REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  CHECK(r->first_position == 1);
  CHECK(r->last_position == 3);
  CHECK(r->stream_versions == std::vector<uint64_t>{3});
  CHECK_FALSE(r->duplicate);

  auto two = orders(2);
  auto r2 = store->append("order-2", ExpectedVersion::no_stream(), two.span());
  REQUIRE(r2.is_ok());
  CHECK(r2->first_position == 4);
  CHECK(r2->stream_versions == std::vector<uint64_t>{2});
  CHECK(store->last_position() == 5);
  CHECK(*store->stream_version("order-1") == 3);
  CHECK(*store->stream_version("order-2") == 2);
  CHECK(*store->stream_version("order-3") == 0);
}

TEST_CASE("append: expected versions any / no_stream / stream_exists / exact") {
  TempDir dir;
  auto store = open_store(dir.path());
  auto one = orders(1);
  CHECK(store->append("s-1", ExpectedVersion::stream_exists(), one.span()).status().code() ==
        ErrorCode::kVersionConflict);
  CHECK(store->append("s-1", ExpectedVersion::exact(0), one.span()).is_ok());
  CHECK(store->append("s-1", ExpectedVersion::any(), one.span()).is_ok());
  CHECK(store->append("s-1", ExpectedVersion::stream_exists(), one.span()).is_ok());
  CHECK(store->append("s-1", ExpectedVersion::exact(3), one.span()).is_ok());

  auto stale = store->append("s-1", ExpectedVersion::exact(2), one.span());
  REQUIRE_FALSE(stale.is_ok());
  CHECK(stale.status().code() == ErrorCode::kVersionConflict);
  // The error names the stream and both versions.
  CHECK(stale.status().message() == "stream s-1: expected version 2, actual version 4");
  auto exists = store->append("s-1", ExpectedVersion::no_stream(), one.span());
  CHECK(exists.status().message() == "stream s-1: expected no stream, actual version 4");
  CHECK(store->last_position() == 4);
}

TEST_CASE("append: a multi-stream append commits all or nothing") {
  TempDir dir;
  auto store = open_store(dir.path());
  auto one = orders(1);
  REQUIRE(store->append("product-1", ExpectedVersion::no_stream(), one.span()).is_ok());

  auto order = orders(1, "order-9");
  auto reserve = orders(1);
  const StreamWrite good[] = {{"order-9", ExpectedVersion::no_stream(), order.span()},
                              {"product-1", ExpectedVersion::exact(1), reserve.span()}};
  const StreamWrite bad[] = {
      {"order-10", ExpectedVersion::no_stream(), order.span()},
      {"product-1", ExpectedVersion::exact(1), reserve.span()}};  // stale now
  auto ok = store->append(AppendRequest{good, "", 0});
  REQUIRE(ok.is_ok());
  CHECK(ok->first_position == 2);
  CHECK(ok->last_position == 3);
  CHECK(ok->stream_versions == std::vector<uint64_t>{1, 2});

  auto conflict = store->append(AppendRequest{bad, "", 0});
  CHECK(conflict.status().code() == ErrorCode::kVersionConflict);
  CHECK(store->last_position() == 3);
  CHECK(*store->stream_version("order-10") == 0);  // the other stream got nothing either
  CHECK(*store->stream_version("product-1") == 2);
}

TEST_CASE("append: bad input is refused with a clear error and writes nothing") {
  TempDir dir;
  auto store = open_store(dir.path());
  auto one = orders(1);
  CHECK(store->append("", ExpectedVersion::any(), one.span()).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(store->append(std::string("a\0b", 3), ExpectedVersion::any(), one.span()).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(store->append(std::string(256, 'x'), ExpectedVersion::any(), one.span()).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(store->append("s", ExpectedVersion::any(), {}).status().code() ==
        ErrorCode::kInvalidArgument);

  const std::vector<uint8_t> garbage(40, 0x5A);
  NewEvent bad;
  bad.type = EventType::kOrderPlaced;
  bad.payload = garbage;
  auto r = store->append("s", ExpectedVersion::any(), std::span(&bad, 1));
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  CHECK(r.status().message().find("not a valid FlatBuffer") != std::string::npos);

  NewEvent unknown = one.events[0];
  unknown.type = static_cast<EventType>(4242);
  CHECK(store->append("s", ExpectedVersion::any(), std::span(&unknown, 1)).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(store->append("s", ExpectedVersion::any(), one.span(), std::string(300, 'c'))
            .status()
            .code() == ErrorCode::kInvalidArgument);
  CHECK(store->last_position() == 0);
}

TEST_CASE("append: a retried command id returns the first result and appends nothing") {
  TempDir dir;
  auto batch = orders(2);
  AppendResult first;
  {
    auto store = open_store(dir.path());
    auto r = store->append("order-1", ExpectedVersion::no_stream(), batch.span(), "cmd-1");
    REQUIRE(r.is_ok());
    first = *r;
    // Same id, expected version now stale: still the first answer, no conflict.
    auto again = store->append("order-1", ExpectedVersion::no_stream(), batch.span(), "cmd-1");
    REQUIRE_MESSAGE(again.is_ok(), again.status().to_string());
    CHECK(again->duplicate);
    CHECK(again->first_position == first.first_position);
    CHECK(again->last_position == first.last_position);
    CHECK(again->stream_versions == first.stream_versions);
    CHECK(store->last_position() == 2);
  }
  // And after a reopen.
  auto store = open_store(dir.path());
  auto again = store->append("order-1", ExpectedVersion::no_stream(), batch.span(), "cmd-1");
  REQUIRE(again.is_ok());
  CHECK(again->duplicate);
  CHECK(again->first_position == 1);
  CHECK(again->stream_versions == std::vector<uint64_t>{2});
  CHECK(store->last_position() == 2);
  auto read = store->read_event(1);
  REQUIRE(read.is_ok());
  CHECK(read->view().command_id() == "cmd-1");
}

TEST_CASE("append_batch: independent requests in one commit, later ones see earlier versions") {
  TempDir dir;
  auto store = open_store(dir.path());
  auto one = orders(1);
  const StreamWrite w1[] = {{"order-1", ExpectedVersion::no_stream(), one.span()}};
  const StreamWrite w2[] = {{"order-1", ExpectedVersion::exact(1), one.span()}};
  const StreamWrite w3[] = {{"order-1", ExpectedVersion::exact(1), one.span()}};  // stale by then
  const AppendRequest reqs[] = {{w1, "a", 0}, {w2, "b", 0}, {w3, "c", 0}, {w1, "a", 0}};
  auto results = store->append_batch(reqs);
  REQUIRE(results.size() == 4);
  REQUIRE(results[0].is_ok());
  REQUIRE(results[1].is_ok());
  CHECK(results[1]->stream_versions == std::vector<uint64_t>{2});
  CHECK(results[2].status().code() == ErrorCode::kVersionConflict);
  REQUIRE(results[3].is_ok());  // the same command id twice in one batch
  CHECK(results[3]->duplicate);
  CHECK(results[3]->first_position == results[0]->first_position);
  CHECK(store->last_position() == 2);
  CHECK(store->stats().commits == 1);
  CHECK(store->stats().syncs == 1);
}

TEST_CASE("submit_batch: all or nothing refuses the whole batch when one request fails") {
  TempDir dir;
  auto store = open_store(dir.path());
  auto one = orders(1);
  const StreamWrite a[] = {{"order-a", ExpectedVersion::no_stream(), one.span()}};
  const StreamWrite bad[] = {{"order-b", ExpectedVersion::exact(7), one.span()}};  // conflicts
  const AppendRequest reqs[] = {{a, "", 0}, {bad, "", 0}};
  auto written = store->submit_batch(reqs, nullptr, 0, /*all_or_nothing=*/true);
  REQUIRE(written.size() == 2);
  CHECK(written[0].status().code() == ErrorCode::kVersionConflict);
  CHECK(written[0].status().message().find("batch refused") != std::string::npos);
  CHECK(written[1].status().code() == ErrorCode::kVersionConflict);
  REQUIRE(store->close().is_ok());
  auto reopened = open_store(dir.path());
  CHECK(reopened->last_position() == 0);  // nothing of it was written
  CHECK(*reopened->stream_version("order-a") == 0);
  // Without the flag the good request goes through alone.
  auto partial = reopened->append_batch(reqs);
  CHECK(partial[0].is_ok());
  CHECK_FALSE(partial[1].is_ok());
}

TEST_CASE("append: events are invisible to readers until durable, submit_batch answers in order") {
  TempDir dir;
  auto store = open_store(dir.path());
  auto one = orders(1);
  std::mutex mu;
  std::vector<uint64_t> answered;
  std::vector<std::string> names;
  for (int i = 0; i < 50; ++i)
    names.push_back("order-" + std::to_string(i));
  std::vector<StreamWrite> writes;
  for (const auto& n : names)
    writes.push_back({n, ExpectedVersion::no_stream(), one.span()});
  std::vector<AppendRequest> requests;
  for (const auto& w : writes)
    requests.push_back({std::span(&w, 1), "", 0});
  for (size_t i = 0; i < requests.size(); ++i) {
    (void)store->submit_batch(std::span(&requests[i], 1), [&](AppendResults results) {
      REQUIRE(results[0].is_ok());
      // When a batch is answered, its events are durable and readable.
      CHECK(store->last_position() >= results[0]->last_position);
      CHECK(store->read_event(results[0]->last_position).is_ok());
      std::lock_guard lock(mu);
      answered.push_back(results[0]->first_position);
    });
    // Whatever the sync thread has not published yet is not readable.
    const uint64_t durable = store->last_position();
    CHECK(store->read_event(durable + 1).status().code() == ErrorCode::kNotFound);
  }
  REQUIRE(store->close().is_ok());  // drains: every submitted batch is answered
  REQUIRE(answered.size() == 50);
  for (size_t i = 0; i < answered.size(); ++i)
    CHECK(answered[i] == i + 1);
}

TEST_CASE("append: racing writers on one stream, exactly one wins each version") {
  TempDir dir;
  auto store = open_store(dir.path());
  constexpr int kThreads = 6;
  constexpr int kAttempts = 60;
  std::atomic<int> wins{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto one = orders(1);
      for (int i = 0; i < kAttempts; ++i) {
        auto v = store->stream_version("hot");
        REQUIRE(v.is_ok());
        auto r = store->append("hot", ExpectedVersion::exact(*v), one.span());
        if (r.is_ok()) {
          ++wins;
        } else {
          CHECK(r.status().code() == ErrorCode::kVersionConflict);
          ++conflicts;
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(wins + conflicts == kThreads * kAttempts);
  CHECK(*store->stream_version("hot") == static_cast<uint64_t>(wins.load()));
  CHECK(store->last_position() == static_cast<uint64_t>(wins.load()));
  auto events = store->read_stream("hot", 1, 100000);
  REQUIRE(events.is_ok());
  REQUIRE(events->size() == static_cast<size_t>(wins.load()));
  for (size_t i = 0; i < events->size(); ++i)
    CHECK((*events)[i]->version() == i + 1);
}

TEST_CASE("append: concurrent callers are group-committed, positions unique and gapless") {
  TempDir dir;
  auto store = open_store(dir.path());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto one = orders(1);
      for (int i = 0; i < kPerThread; ++i) {
        const std::string stream = "order-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = store->append(stream, ExpectedVersion::no_stream(), one.span());
        REQUIRE(r.is_ok());
        got[t].push_back(r->first_position);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  std::set<uint64_t> all;
  for (const auto& g : got)
    all.insert(g.begin(), g.end());
  CHECK(all.size() == kThreads * kPerThread);
  CHECK(*all.begin() == 1);
  CHECK(*all.rbegin() == kThreads * kPerThread);
  // Group commit: fewer fsyncs than appends (appends written while an fsync
  // ran share the next one).
  MESSAGE("fsyncs: " << store->stats().syncs << " for " << kThreads * kPerThread << " appends");
  CHECK(store->stats().syncs < kThreads * kPerThread);
}

TEST_CASE("append: big commits are split into several records, reads are unchanged") {
  TempDir dir;
  StoreOptions options;
  options.max_record_bytes = 4096;
  auto store = open_store(dir.path(), options);
  auto many = orders(200);
  REQUIRE(store->append("order-big", ExpectedVersion::no_stream(), many.span()).is_ok());
  CHECK(store->stats().commits == 1);
  uint64_t n = 0;
  REQUIRE(store
              ->scan({},
                     [&](const EventView& ev) {
                       CHECK(ev.position() == ++n);
                       return true;
                     })
              .is_ok());
  CHECK(n == 200);
  auto back = store->read_stream("order-big", kEndOfLog, 5, Direction::kBackward);
  REQUIRE(back.is_ok());
  CHECK((*back)[0]->version() == 200);
  CHECK(store->read_event(137)->view().version() == 137);
}

TEST_CASE("append: after close, appends fail with shutting_down, reopen continues") {
  TempDir dir;
  auto one = orders(1);
  {
    auto store = open_store(dir.path());
    REQUIRE(store->append("s", ExpectedVersion::no_stream(), one.span()).is_ok());
    REQUIRE(store->close().is_ok());
    CHECK(store->append("s", ExpectedVersion::any(), one.span()).status().code() ==
          ErrorCode::kShuttingDown);
  }
  auto store = open_store(dir.path());
  CHECK(store->last_position() == 1);
  auto r = store->append("s", ExpectedVersion::exact(1), one.span());
  REQUIRE(r.is_ok());
  CHECK(r->first_position == 2);
}

TEST_CASE("open: a second writer on the same directory is refused as busy") {
  TempDir dir;
  auto store = open_store(dir.path());
  auto second = EventStore::open(dir.path());
  REQUIRE_FALSE(second.is_ok());
  CHECK(second.status().code() == ErrorCode::kBusy);
  StoreOptions ro;
  ro.read_only = true;
  CHECK(EventStore::open(dir.path(), ro).is_ok());  // readers are fine
}
