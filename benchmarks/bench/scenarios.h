// The named scenarios (CONTRACT.md): each runs its systems and returns one
// Measurement per system (and variant) at its best client count.
#pragma once

#include <string>
#include <vector>

#include "benchmarks/bench/harness.h"

namespace orderly::bench {

struct RunOptions {
  bool quick = false;
  std::vector<std::string> systems = {"orderly", "raw-rocksdb", "postgres", "jetstream"};
  bool in_process = true, http = true;
  std::string orderly_binary;    // for the HTTP mode and recovery
  uint64_t recovery_events = 0;  // 0: 10M (full) or 200k (quick)
  std::string shop_dir;          // keep the rebuild/recovery log here, reuse it when present
};

// Runs one scenario by name; unknown names are an error.
Result<std::vector<Measurement>> run_scenario(const std::string& name, const RunOptions& o);

inline const std::vector<std::string>& all_scenarios() {
  // fanout before rebuild: the 10M-event log generated for rebuild and
  // recovery keeps RocksDB compacting in the background for minutes, which
  // starved the fan-out run of CPU on 2 cores.
  static const std::vector<std::string> names = {"place-order", "mixed",   "hot-product",
                                                 "fanout",      "rebuild", "recovery"};
  return names;
}

}  // namespace orderly::bench
