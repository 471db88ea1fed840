// Quarantine files (issue 25): the records a node wrote to its log that the
// replicated log never took (a leader deposed, or killed, between its local
// fsync and the stream's acknowledgement), moved aside when the node comes
// back as a follower, so its log is again a prefix of the cluster's. Their
// commands were never acknowledged; those the stream did take come back
// from it, byte for byte. `orderly inspect --quarantine FILE` lists them.
//
// Format: "ORDERLY-QUARANTINE-1\n", then per record: its first position
// (LE u64), its length (LE u32), its CRC-32C (LE u32), its bytes as stored
// in the log (LOG_FORMAT.md).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "eventstore/replication.h"

namespace orderly::eventstore {

// Writes `records` to a new file at `path` (fsynced, owner-only).
Status write_quarantine_file(const std::string& path, const std::vector<ReplicatedRecord>& records);
// Reads one back, every record checked. corruption when damaged.
Result<std::vector<ReplicatedRecord>> read_quarantine_file(const std::string& path);

}  // namespace orderly::eventstore
