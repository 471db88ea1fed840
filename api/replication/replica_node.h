// One node of a replicated Orderly (issue 25): `orderly serve --replicate`.
//
// It starts as a follower: its writer is a standby (commands/processor.h),
// a LogApplier copies ORDERLY_LOG into its store, and its read models follow
// the store as always, so it serves queries. A thread of its own watches the
// leader's lease (leader_lease.h). When nobody holds it, the node takes it,
// reads the stream to its end (so it holds every acknowledged commit),
// checks that its log is exactly the stream's, then opens for writes: the
// store gets a LogPublisher as its gate, the writer is promoted, and the
// leader-only services start (on_promoted: the fan-out, the email notifier,
// the payment dispatcher). As leader it renews the lease about every ttl/3.
//
// A leader that cannot renew in time, or finds that another node appended
// to the stream, stops acknowledging at once (the publisher refuses, so the
// store takes no more commits) and calls on_deposed: `orderly serve` then
// stops and starts again in place, as a follower.
//
// A node that starts with a log when the stream is empty and wins the first
// lease publishes its log into the stream first: a single-node shop becomes
// a cluster without an export.
//
// Thread safety: start/stop from one thread; status() from any.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/replication/cluster_registry.h"
#include "commands/processor.h"
#include "core/status.h"
#include "eventstore/store.h"

namespace orderly::api::replication {

struct NodeOptions {
  std::string nats_url;  // one or more, comma separated
  int replicas = 3;      // of the stream and the KV buckets
  std::string advertise_url;
  std::string jwt_secret;  // checked against the cluster's
  std::chrono::milliseconds lease_ttl{3000};
  // Called on the node's thread once this node leads (the writer promoted):
  // start what only the leader runs. An error steps down.
  std::function<Status()> on_promoted;
  // Called once when a leader loses its lease or its place in the stream.
  std::function<void(const Status&)> on_deposed;
  // Called when the node may never join (its JWT secret differs from the
  // cluster's): the process should stop.
  std::function<void(const Status&)> on_fatal;
};

struct NodeStatus {
  std::string role = "follower";  // "leader" or "follower"
  uint64_t term = 0;
  std::string leader_url;  // "" when no leader is known
  uint64_t lag = 0;        // ORDERLY_LOG messages not yet applied (0 on the leader)
  uint64_t stream_sequence = 0;
  std::string failure;  // why this node cannot follow or lead ("" when it can)
  // This process's publishing as the leader (its last term): messages the
  // stream took, and publishes tried again (no quorum, no answer).
  uint64_t published_messages = 0, publish_retries = 0;
};

class ReplicaNode {
 public:
  // Starts the node's thread, which connects to NATS, makes or binds the
  // stream and the buckets, checks the secret and starts following, trying
  // again until NATS answers (status() says "joining the cluster" meanwhile).
  // Errors: the store's, marking it a cluster member.
  static Result<std::unique_ptr<ReplicaNode>> start(eventstore::EventStore& store,
                                                    commands::CommandProcessor& writer,
                                                    NodeOptions options,
                                                    std::shared_ptr<spdlog::logger> log);
  ~ReplicaNode();
  // Stops following or leading; a leader releases its lease, so another
  // node takes over at once. Call before the writer stops.
  void stop();

  NodeStatus status() const;
  bool is_leader() const;
  Result<std::vector<NodeInfo>> cluster();

  struct Impl;

 private:
  explicit ReplicaNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Before a replicated node's engine opens (`orderly serve --replicate`): a
// node that was in a cluster before moves the records its log holds beyond
// what the replicated log is known to have (its checkpoint
// replicated-position) into <data-dir>/quarantine/ (eventstore/quarantine.h):
// a leader deposed or killed between its fsync and the stream's answer.
// Those the stream did take come back from it. The number of records moved.
Result<uint64_t> set_aside_unreplicated(const std::string& data_dir, spdlog::logger& log);

// A KV-safe id for a node from its advertised URL ("http://h:8080" ->
// "http_h_8080").
std::string node_id_from_url(std::string_view url);

}  // namespace orderly::api::replication
