// WebSocketPushRecorder: outcomes batched by count and by interval, ids
// given, batches in order; an overloaded pipeline gets them again later,
// a bound counts what does not fit, and nothing is recorded after stop.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "commands/ws_push_recorder.h"
#include "tests/support/ids.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

namespace {

struct FakeLog {
  std::mutex mu;
  std::vector<RecordWebSocketPushes> batches;
  std::atomic<int> refuse{0};  // the next n submits are refused as overloaded

  WebSocketPushRecorder::Submit submit() {
    return [this](const RecordWebSocketPushes& b) {
      if (refuse.load() > 0) {
        refuse.fetch_sub(1);
        return Status::overloaded("busy");
      }
      std::lock_guard lock(mu);
      batches.push_back(b);
      return Status::ok();
    };
  }
  size_t pushes() {
    std::lock_guard lock(mu);
    size_t n = 0;
    for (const auto& b : batches)
      n += b.pushes.size();
    return n;
  }
  size_t batch_count() {
    std::lock_guard lock(mu);
    return batches.size();
  }
};

WebSocketPushOutcome outcome(uint64_t position) {
  WebSocketPushOutcome o;
  o.user_id = test_id(1);
  o.type = "order.created";
  o.source_position = position;
  return o;
}

bool eventually(const std::function<bool()>& cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

TEST_CASE("push recorder: a full batch goes at once, the rest on the interval, in order") {
  FakeLog log;
  WebSocketPushRecorder recorder(log.submit(), std::chrono::hours(1), 10);
  for (uint64_t i = 1; i <= 10; ++i)
    recorder.record(outcome(i));
  // A full batch goes without waiting for the (hour-long) interval.
  REQUIRE(eventually([&] { return log.pushes() == 10; }));
  for (uint64_t i = 11; i <= 15; ++i)
    recorder.record(outcome(i));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(log.pushes() == 10);  // less than a batch: waits for the interval (or stop)
  recorder.stop();
  REQUIRE(log.pushes() == 15);
  std::set<std::string> ids, batch_ids;
  uint64_t expected = 1;
  for (const auto& b : log.batches) {
    batch_ids.insert(b.batch_id.to_string());
    for (const auto& p : b.pushes) {
      CHECK(p.source_position == expected++);
      CHECK_FALSE(p.notification_id.is_nil());
      CHECK(p.pushed_at > 0);
      ids.insert(p.notification_id.to_string());
    }
  }
  CHECK(ids.size() == 15);
  CHECK(batch_ids.size() == log.batch_count());
  CHECK(recorder.lost() == 0);
}

TEST_CASE("push recorder: outcomes go on the interval") {
  FakeLog log;
  WebSocketPushRecorder recorder(log.submit(), std::chrono::milliseconds(20), 1000);
  recorder.record(outcome(1));
  CHECK(eventually([&] { return log.pushes() == 1; }));
}

TEST_CASE("push recorder: refused as overloaded, the pushes wait for the next interval") {
  FakeLog log;
  log.refuse = 2;
  WebSocketPushRecorder recorder(log.submit(), std::chrono::milliseconds(20), 1000);
  for (uint64_t i = 1; i <= 5; ++i)
    recorder.record(outcome(i));
  REQUIRE(eventually([&] { return log.pushes() == 5; }));
  CHECK(log.refuse.load() == 0);
  CHECK(recorder.lost() == 0);
  CHECK(log.batches.front().pushes.front().source_position == 1);
}

TEST_CASE("push recorder: bounded while the pipeline refuses, stop flushes, later ones are lost") {
  FakeLog log;
  log.refuse = 1'000'000;
  WebSocketPushRecorder recorder(log.submit(), std::chrono::hours(1), 10, 30);
  for (uint64_t i = 1; i <= 50; ++i)
    recorder.record(outcome(i));
  // 30 wait, the rest do not fit (once the refused attempt has put back
  // what it took).
  CHECK(eventually([&] { return recorder.lost() == 20; }));
  log.refuse = 0;
  recorder.stop();
  CHECK(log.pushes() == 30);
  recorder.record(outcome(51));
  CHECK(recorder.lost() == 21);
  CHECK(recorder.flush().is_ok());
  CHECK(log.pushes() == 30);
}
