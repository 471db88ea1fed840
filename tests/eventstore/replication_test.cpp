// The store's side of replication (eventstore/replication.h): a leader's
// commits reach its gate as the records it stored and are published only
// once the gate holds them; a follower applies them byte for byte with the
// index and command ids derived again; a refused gate stops the leader for
// good without publishing what it could not replicate.
#include <doctest/doctest.h>

#include <deque>
#include <fstream>
#include <mutex>
#include <thread>

#include "eventstore/quarantine.h"
#include "eventstore/verify.h"
#include "tests/eventstore/store_fixture.h"

using namespace orderly;
using namespace orderly::eventstore;
using namespace orderly::testing;

namespace {

// Holds what it is offered; says "held" or "refused" when asked to.
class RecordingGate : public ReplicationGate {
 public:
  void offer(std::shared_ptr<const ReplicatedCommit> commit) override {
    std::lock_guard lock(mu_);
    commits_.push_back(std::move(commit));
  }
  Status wait_replicated(uint64_t position) override {
    std::lock_guard lock(mu_);
    waited_ = std::max(waited_, position);
    return refusal_;
  }
  void refuse(Status why) {
    std::lock_guard lock(mu_);
    refusal_ = std::move(why);
  }
  std::vector<std::shared_ptr<const ReplicatedCommit>> commits() {
    std::lock_guard lock(mu_);
    return commits_;
  }
  uint64_t waited() {
    std::lock_guard lock(mu_);
    return waited_;
  }

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<const ReplicatedCommit>> commits_;
  uint64_t waited_ = 0;
  Status refusal_;
};

// Every event of the log as its envelope bytes, in order.
std::vector<std::string> envelopes(const EventStore& store) {
  std::vector<std::string> out;
  REQUIRE(store
              .scan(LogQuery{},
                    [&](const EventView& ev) {
                      out.emplace_back(reinterpret_cast<const char*>(ev.bytes().data()),
                                       ev.bytes().size());
                      return true;
                    })
              .is_ok());
  return out;
}

Result<AppendResult> append_order(EventStore& store, const std::string& order, int events,
                                  const std::string& command_id) {
  auto batch = orders(events, order);
  return store.append("order-" + order, ExpectedVersion::any(), batch.span(), command_id);
}

}  // namespace

TEST_CASE("replication: a follower applies the leader's commits byte for byte") {
  TempDir dir;
  auto gate = std::make_shared<RecordingGate>();
  auto leader = open_store(dir.sub("leader"));
  auto follower = open_store(dir.sub("follower"));
  leader->set_replication_gate(gate);

  // Small records: one commit spans several of them.
  REQUIRE(append_order(*leader, "a", 1, "cmd-1").is_ok());
  REQUIRE(append_order(*leader, "b", 3, "cmd-2").is_ok());
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 25; ++i)
        REQUIRE(append_order(*leader, "w" + std::to_string(w), 2,
                             "w" + std::to_string(w) + "-" + std::to_string(i))
                    .is_ok());
    });
  }
  for (auto& t : writers)
    t.join();
  REQUIRE(append_order(*leader, "a", 2, "cmd-3").is_ok());
  CHECK(gate->waited() == leader->last_position());

  uint64_t seq = 0;
  for (const auto& commit : gate->commits())
    REQUIRE(follower->apply_replicated(*commit, "replication", ++seq).is_ok());
  CHECK(follower->last_position() == leader->last_position());
  CHECK(envelopes(*follower) == envelopes(*leader));
  CHECK(*follower->load_checkpoint("replication") == seq);
  CHECK(*follower->stream_version("order-a") == 3);
  CHECK(*follower->stream_version("order-w3") == 50);
  auto a = follower->read_stream("order-a", 1, 10);
  REQUIRE(a.is_ok());
  CHECK(a->size() == 3);

  // The command ids came along: a retry on the follower appends nothing.
  auto retry = append_order(*follower, "b", 3, "cmd-2");
  REQUIRE(retry.is_ok());
  CHECK(retry->duplicate);
  CHECK(retry->first_position == 2);
  CHECK(retry->last_position == 4);
  CHECK(follower->last_position() == leader->last_position());

  // Applying a commit again, or one out of order, is refused and changes nothing.
  const auto commits = gate->commits();
  auto again = follower->apply_replicated(*commits.front(), "replication", 1);
  CHECK(again.code() == ErrorCode::kInvalidArgument);
  CHECK(*follower->load_checkpoint("replication") == seq);

  follower.reset();
  auto report = verify_data_dir(dir.sub("follower"));
  REQUIRE(report.is_ok());
  CHECK_MESSAGE(report->ok(), (report->problems.empty() ? "" : report->problems.front()));
}

TEST_CASE("replication: a damaged or inconsistent commit is refused whole") {
  TempDir dir;
  auto gate = std::make_shared<RecordingGate>();
  auto leader = open_store(dir.sub("leader"));
  auto follower = open_store(dir.sub("follower"));
  leader->set_replication_gate(gate);
  REQUIRE(append_order(*leader, "a", 2, "c1").is_ok());
  REQUIRE(append_order(*leader, "a", 1, "c2").is_ok());
  const auto commits = gate->commits();
  REQUIRE(commits.size() == 2);

  // A damaged record header, a count that runs past the bytes, and an
  // envelope cut short. (Bytes damaged inside a string still verify: the
  // replicated log's messages carry a checksum for that, api/replication.)
  for (const auto& [offset, mask] : std::vector<std::pair<size_t, uint8_t>>{{0, 0xff}, {8, 0x40}}) {
    ReplicatedCommit damaged = *commits[0];
    damaged.records[0].bytes[offset] ^= mask;
    CHECK(follower->apply_replicated(damaged, "replication", 1).code() == ErrorCode::kCorruption);
    CHECK(follower->last_position() == 0);
  }
  ReplicatedCommit cut = *commits[0];
  cut.records[0].bytes.resize(cut.records[0].bytes.size() - 24);
  CHECK(follower->apply_replicated(cut, "replication", 1).code() == ErrorCode::kCorruption);
  CHECK(follower->last_position() == 0);

  // Positions that do not follow on.
  ReplicatedCommit shifted = *commits[1];
  CHECK(follower->apply_replicated(shifted, "replication", 1).code() ==
        ErrorCode::kInvalidArgument);
  CHECK(follower->last_position() == 0);

  // The good ones still apply, in order.
  REQUIRE(follower->apply_replicated(*commits[0], "replication", 1).is_ok());
  REQUIRE(follower->apply_replicated(*commits[1], "replication", 2).is_ok());
  CHECK(envelopes(*follower) == envelopes(*leader));

  // A follower's store with a gate of its own is a leader: refused.
  follower->set_replication_gate(std::make_shared<RecordingGate>());
  CHECK(follower->apply_replicated(*commits[1], "replication", 3).code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("replication: a refused commit is never published and the leader takes no more") {
  TempDir dir;
  auto gate = std::make_shared<RecordingGate>();
  auto leader = open_store(dir.sub("leader"));
  leader->set_replication_gate(gate);
  REQUIRE(append_order(*leader, "a", 2, "c1").is_ok());
  CHECK(leader->last_position() == 2);

  gate->refuse(Status::unavailable("lost the lease"));
  auto refused = append_order(*leader, "a", 1, "c2");
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == ErrorCode::kUnavailable);
  CHECK(leader->last_position() == 2);  // written locally, never published
  CHECK(envelopes(*leader).size() == 2);

  auto later = append_order(*leader, "b", 1, "c3");
  REQUIRE_FALSE(later.is_ok());
  CHECK(later.status().code() == ErrorCode::kUnavailable);
  CHECK(gate->commits().size() == 2);  // the refused one was offered; nothing after it
}

TEST_CASE("replication: records the cluster never took are moved into quarantine, readable") {
  TempDir dir;
  auto gate = std::make_shared<RecordingGate>();
  auto leader = open_store(dir.sub("leader"));
  auto node = open_store(dir.sub("node"));
  leader->set_replication_gate(gate);
  REQUIRE(append_order(*leader, "a", 2, "c1").is_ok());
  REQUIRE(append_order(*leader, "b", 1, "c2").is_ok());
  const auto commits = gate->commits();
  REQUIRE(node->apply_replicated(*commits[0], "replication", 1).is_ok());
  const uint64_t held = node->last_position();
  CHECK(*node->load_checkpoint(kReplicatedPositionCheckpoint) == held);

  // The node led for a moment and wrote what the cluster never took.
  REQUIRE(append_order(*node, "a", 2, "mine-1").is_ok());
  REQUIRE(append_order(*node, "z", 2, "mine-2").is_ok());
  CHECK(node->last_position() == held + 4);
  CHECK(node->quarantine_after(held + 1, dir.sub("q0")).status().code() ==
        ErrorCode::kInvalidArgument);  // inside a record

  auto moved = node->quarantine_after(held, dir.sub("quarantine.orq"));
  REQUIRE_MESSAGE(moved.is_ok(), moved.status().to_string());
  CHECK(*moved == 2);
  CHECK(node->last_position() == held);
  CHECK(*node->stream_version("order-a") == 2);
  CHECK(*node->stream_version("order-z") == 0);
  auto file = read_quarantine_file(dir.sub("quarantine.orq"));
  REQUIRE(file.is_ok());
  REQUIRE(file->size() == 2);
  CHECK((*file)[0].first_position == held + 1);
  CHECK(node->quarantine_after(held, dir.sub("q2")).value() == 0);  // nothing more

  // The cluster's commit applies where the quarantined ones were, and the
  // quarantined commands are unknown again.
  REQUIRE(node->apply_replicated(*commits[1], "replication", 2).is_ok());
  CHECK(envelopes(*node) == envelopes(*leader));
  auto again = append_order(*node, "z", 1, "mine-2");
  REQUIRE(again.is_ok());
  CHECK_FALSE(again->duplicate);

  // A damaged quarantine file is refused.
  {
    std::fstream f(dir.sub("quarantine.orq"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x7f');
  }
  CHECK(read_quarantine_file(dir.sub("quarantine.orq")).status().code() == ErrorCode::kCorruption);
  node.reset();
  auto report = verify_data_dir(dir.sub("node"));
  REQUIRE(report.is_ok());
  CHECK_MESSAGE(report->ok(), (report->problems.empty() ? "" : report->problems.front()));
}
