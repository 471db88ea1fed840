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
// Thread safety: offer/wait_replicated/stats from any thread; one thread
// publishes.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

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
  // Called once, on the publisher's thread, when it gives up (deposed or
  // the lease lost): the node steps down.
  std::function<void(const Status&)> on_failure;
};

struct PublisherStats {
  uint64_t last_sequence = 0;        // the stream's, as this node last appended
  uint64_t replicated_position = 0;  // the log's end the stream holds
  uint64_t messages = 0, retries = 0;
  size_t queued_commits = 0;
};

class LogPublisher : public eventstore::ReplicationGate {
 public:
  // `js` must outlive the publisher.
  LogPublisher(jsCtx* js, PublisherOptions options);
  ~LogPublisher() override;
  void start();
  // Fails what is queued and every waiter; joins the thread.
  void stop();

  void offer(std::shared_ptr<const eventstore::ReplicatedCommit> commit) override;
  Status wait_replicated(uint64_t position) override;

  PublisherStats stats() const;

 private:
  void run();
  // Publishes one record; false once given up.
  bool publish(const eventstore::ReplicatedRecord& record, bool commit_end);
  void give_up(Status why);

  jsCtx* js_;
  PublisherOptions o_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // a commit queued, one replicated, or stopping/failed
  std::deque<std::shared_ptr<const eventstore::ReplicatedCommit>> queue_;
  uint64_t last_sequence_ = 0, replicated_position_ = 0, messages_ = 0, retries_ = 0;
  Status failure_;
  bool failed_ = false, stopping_ = false;
  std::thread thread_;
};

}  // namespace orderly::api::replication
