// The leader's half of the replicated log (issue 25): the store's
// ReplicationGate (eventstore/replication.h) that publishes each commit's
// records to ORDERLY_LOG, in order, each expecting the stream's last
// sequence to be the one before it (api/replication/log_stream.h).
//
// A commit is acknowledged by the store only once every record of it is in
// the stream (a quorum of nats-servers holds it). The publisher gives up,
// for good, when another node appended to the stream (this node was
// deposed), or when its lease is no longer valid (it could not renew: it
// must stop acknowledging before another node may take over). Meanwhile a
// publish that times out (NATS lost its quorum, a server restarts) is tried
// again: a retry that finds its own message already there counts it once.
//
// Pipelined: what is queued when the thread looks (up to `window` records)
// goes out at once, each message expecting the sequence its predecessor
// will get, and the answers are awaited together: one round trip for
// several commits instead of one each. JetStream takes a connection's
// publishes in order, so the answers come back as a prefix of successes;
// from the first record not taken (refused, or its answer lost) the
// publisher goes on one record at a time, the careful way above, which
// tells its own message whose answer was lost from another node's.
//
// Thread safety: offer/wait_replicated/stats from any thread; one thread
// publishes (the answers of a window arrive on a NATS thread).
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "eventstore/replication.h"

namespace orderly::api::replication {

struct PublisherOptions {
  // The stream's last sequence when this node took over, and its term.
  uint64_t last_sequence = 0;
  uint64_t term = 0;
  // The log's end then: all of it is in the stream already (a retry's
  // first answer among it needs no wait).
  uint64_t replicated_position = 0;
  // Asked before every publish: false once the lease cannot be trusted.
  std::function<bool()> lease_valid;
  std::chrono::milliseconds publish_timeout{2000};
  // Records in flight at once, and their bytes (one record over the bytes
  // still goes, alone).
  size_t window = 256;
  size_t window_bytes = size_t{8} << 20;
  // Called once, on the publisher's thread, when it gives up (deposed or
  // the lease lost): the node steps down.
  std::function<void(const Status&)> on_failure;
};

struct PublisherStats {
  uint64_t last_sequence = 0;        // the stream's, as this node last appended
  uint64_t replicated_position = 0;  // the log's end the stream holds
  uint64_t messages = 0, retries = 0;
  size_t queued_commits = 0;
  uint64_t windows = 0;  // round trips that carried more than one record
};

class LogPublisher : public eventstore::ReplicationGate {
 public:
  // `js` (on `nc`) must outlive the publisher; the pipelined publishes use
  // a JetStream context of their own on `nc` (without one, if it cannot be
  // made, every record goes one at a time).
  LogPublisher(natsConnection* nc, jsCtx* js, PublisherOptions options);
  ~LogPublisher() override;
  void start();
  // Fails what is queued and every waiter; joins the thread.
  void stop();

  void offer(std::shared_ptr<const eventstore::ReplicatedCommit> commit) override;
  Status wait_replicated(uint64_t position) override;

  PublisherStats stats() const;

 private:
  struct Outgoing {
    const eventstore::ReplicatedRecord* record;  // in a commit of queue_
    bool commit_end;
  };
  struct Answer {
    bool taken = false;
    uint64_t sequence = 0;
  };
  void run();
  // The records to send next: the queue's, from the first not yet in the
  // stream, up to the window.
  void next_window(std::vector<Outgoing>& out);
  // One round trip for the window; false once given up.
  bool publish_window(const std::vector<Outgoing>& window);
  // Publishes one record until the stream holds it; its sequence, or 0 once
  // given up. `maybe_there`: an earlier try may have reached the stream.
  uint64_t publish(const eventstore::ReplicatedRecord& record, bool commit_end, bool maybe_there);
  // The stream holds the next record at `sequence`.
  void taken(uint64_t sequence, const Outgoing& record);
  void give_up(Status why);
  static void on_answer(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* err, void* closure);

  jsCtx* js_;
  jsCtx* async_js_ = nullptr;  // with on_answer; owned
  PublisherOptions o_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // a commit queued, one replicated, or stopping/failed
  std::deque<std::shared_ptr<const eventstore::ReplicatedCommit>> queue_;
  size_t front_taken_ = 0;  // records of queue_.front() the stream holds
  uint64_t last_sequence_ = 0, replicated_position_ = 0, messages_ = 0, retries_ = 0, windows_ = 0;
  // The window in flight: its records' first positions and their answers.
  std::mutex answer_mu_;
  std::vector<uint64_t> window_positions_;
  std::vector<Answer> answers_;
  Status failure_;
  bool failed_ = false, stopping_ = false;
  std::thread thread_;
};

}  // namespace orderly::api::replication
