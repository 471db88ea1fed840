// What the nodes of a cluster tell each other outside the log (issue 25),
// in two replicated JetStream KV buckets:
//   ORDERLY_CLUSTER  key "jwt-secret": a digest of the JWT secret the first
//                    node brought. Every node must sign tokens with the same
//                    secret (a token works on any of them); a node whose
//                    secret differs is refused before it joins.
//   ORDERLY_NODES    key "<node id>": each node's role, term, log position
//                    and lag, rewritten every second and expiring 15 s after
//                    a node stops (GET /api/admin/cluster lists them).
//
// Thread safety: one owner thread.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace orderly::api::replication {

struct NodeInfo {
  std::string node;  // its id
  std::string url;   // --advertise-url
  std::string role;  // "leader" or "follower"
  uint64_t term = 0;
  uint64_t position = 0;         // its log's end
  uint64_t lag = 0;              // messages of ORDERLY_LOG it has not applied (followers)
  int64_t reported_unix_ms = 0;  // when it said so
};

class ClusterRegistry {
 public:
  // Creates or binds both buckets. `js` must outlive the registry.
  static Result<std::unique_ptr<ClusterRegistry>> open(jsCtx* js, int replicas);
  ~ClusterRegistry();
  ClusterRegistry(const ClusterRegistry&) = delete;
  ClusterRegistry& operator=(const ClusterRegistry&) = delete;

  // Records the secret's digest if the cluster has none yet; refuses
  // (invalid_argument) a secret whose digest differs from the recorded one.
  Status check_secret(std::string_view secret);
  Status report(const NodeInfo& self);
  // Every node that reported in the last 15 s, by id.
  Result<std::vector<NodeInfo>> nodes();

 private:
  ClusterRegistry(kvStore* cluster, kvStore* nodes) : cluster_(cluster), nodes_(nodes) {}
  kvStore* cluster_;
  kvStore* nodes_;
};

}  // namespace orderly::api::replication
