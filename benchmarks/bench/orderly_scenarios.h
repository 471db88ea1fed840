// The scenarios only Orderly runs (peers have no read-model rebuild, feed
// or recovery of the same kind to compare): rebuild, recovery, fanout.
#pragma once

#include <vector>

#include "benchmarks/bench/harness.h"
#include "benchmarks/bench/scenarios.h"

namespace orderly::bench {

// All read models rebuilt from a generated log and written, in events/s.
Result<Measurement> orderly_rebuild(const RunOptions& o);
// Start to ready over a log of N events: in-process (writer state and read
// models loaded) and as `orderly serve` (until GET /ready answers 200).
Result<std::vector<Measurement>> orderly_recovery(const RunOptions& o);

// Order acknowledged over HTTP -> its WebSocket message, through NATS.
Result<std::vector<Measurement>> orderly_fanout(const RunOptions& o);

}  // namespace orderly::bench
