// The store's side of replication (issue 25): what a leader's store hands
// each commit to, and what it waits on before acknowledging; and the unit a
// follower's store applies. The store knows nothing of NATS: the replicated
// log behind ReplicationGate lives in api/replication/.
//
// A commit is replicated as its records, exactly as they are stored under
// the `log` column family (LOG_FORMAT.md), so every node's log holds the
// same bytes at the same positions; the stream index and the command ids
// are derived from the envelopes again on each follower.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace orderly::eventstore {

// Checkpoints of a replicated node (in the store's checkpoints): the last
// position the replicated log is known to hold (written by the leader's
// sync thread once the gate holds a commit, and with each commit a follower
// applies), and whether the node ever joined a cluster. A restart moves
// every record after the first aside (EventStore::quarantine_after).
inline constexpr char kReplicatedPositionCheckpoint[] = "replicated-position";
inline constexpr char kClusterMemberCheckpoint[] = "cluster-member";

// One log record: the key (its first position) and its bytes.
struct ReplicatedRecord {
  uint64_t first_position = 0;
  std::string bytes;
};

// The last position a record holds: its key plus its count (the
// little-endian u32 at offset 8 of its header, LOG_FORMAT.md) minus one;
// its key for bytes too short to say.
inline uint64_t record_last_position(const ReplicatedRecord& r) {
  uint32_t count = 0;
  if (r.bytes.size() >= 12)
    std::memcpy(&count, r.bytes.data() + 8, 4);
  return r.first_position + (count == 0 ? 0 : count - 1);
}

// One group commit: its records in position order, gapless.
struct ReplicatedCommit {
  std::vector<ReplicatedRecord> records;
  uint64_t first_position() const { return records.empty() ? 0 : records.front().first_position; }
};

// Where a leader's store sends each commit. offer() is called under the
// store's commit lock, once per commit written, in log order: it must not
// block (queue and return). wait_replicated() is called by the store's sync
// thread after the fsync and before anything up to `position` is published
// to readers or acknowledged: it blocks until every commit offered up to
// `position` is held by the replicated log, or says why it never will be
// (the node lost its leadership, or the log has no quorum for too long).
// After a refusal the store takes no more commits: what it wrote but could
// not replicate stays unacknowledged and invisible, and is moved aside when
// the node rejoins as a follower.
class ReplicationGate {
 public:
  virtual ~ReplicationGate() = default;
  virtual void offer(std::shared_ptr<const ReplicatedCommit> commit) = 0;
  virtual Status wait_replicated(uint64_t position) = 0;
};

}  // namespace orderly::eventstore
