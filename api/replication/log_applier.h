// A follower's half of the replicated log (issue 25): follows ORDERLY_LOG
// from where this node's log ends and applies each commit to the local
// store, byte for byte at the same positions (EventStore::apply_replicated),
// with the stream sequence it came from as the checkpoint "replication" in
// the same write. The read models, and the standby writer, follow the
// local log as they always do.
//
// A commit the local log already holds (a restart whose checkpoint was
// behind, or the node's own commits from when it led) is compared with the
// local records and skipped when they are the same. When they differ, or
// the stream skips positions, this node's log has diverged (it led, and
// wrote commits the stream never took): the applier stops and says so,
// until the diverging records are moved aside (quarantine).
//
// Thread safety: start/stop from one thread; the rest from any.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "api/nats/stream_follower.h"
#include "core/status.h"
#include "eventstore/store.h"

namespace orderly::api::replication {

inline constexpr char kReplicationCheckpoint[] = "replication";

struct ApplierOptions {
  std::string url;  // NATS
  std::function<void(const std::string&)> on_error;
};

struct ApplierStats {
  uint64_t applied_sequence = 0;  // the stream sequence of the last commit applied or skipped
  uint64_t commits = 0, skipped = 0;
  std::string failure;  // why it stopped applying ("" while it works)
};

class LogApplier {
 public:
  LogApplier(eventstore::EventStore& store, ApplierOptions options);
  ~LogApplier();
  // Follows from the sequence after the checkpoint.
  Status start();
  void stop();
  ApplierStats stats() const;
  uint64_t applied_sequence() const { return applied_.load(); }
  bool failed() const { return failed_.load(); }

 private:
  void on_message(const natsMsg* msg, uint64_t sequence);
  // A commit whose positions the local log already has: the same bytes?
  Status compare_with_local(const eventstore::ReplicatedCommit& commit) const;
  void fail(const std::string& why);

  eventstore::EventStore& store_;
  ApplierOptions o_;
  std::unique_ptr<nats::StreamFollower> follower_;
  eventstore::ReplicatedCommit pending_;  // records of a commit not yet ended
  std::atomic<uint64_t> applied_{0}, commits_{0}, skipped_{0};
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  std::string failure_;
};

}  // namespace orderly::api::replication
