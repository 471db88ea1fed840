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
  // HTTP mode: the connection counts (empty: 32, 256, 1024; quick: 32, 256),
  // the fastapi-postgres peer's uvicorn worker counts, and where its app is.
  std::vector<int> connections;
  std::vector<int> fastapi_workers = {1, 2, 4};
  std::string peers_dir;
  // A hot-product stock other than 20,000 per product (0: the default):
  // small, refusals come early.
  int64_t hot_stock = 0;
};

// Users the HTTP runs order as.
inline int http_users(const RunOptions& o) {
  return o.quick ? 20 : 50;
}
inline std::vector<int> http_connections(const RunOptions& o) {
  if (!o.connections.empty())
    return o.connections;
  return o.quick ? std::vector<int>{32, 256} : std::vector<int>{32, 256, 1024};
}

// Runs one scenario by name; unknown names are an error.
Result<std::vector<Measurement>> run_scenario(const std::string& name, const RunOptions& o);

inline const std::vector<std::string>& all_scenarios() {
  // fanout before rebuild: the 10M-event log generated for rebuild and
  // recovery keeps RocksDB compacting in the background for minutes, which
  // starved the fan-out run of CPU on 2 cores.
  static const std::vector<std::string> names = {"http-health", "http-product", "place-order",
                                                 "mixed",       "hot-product",  "fanout",
                                                 "rebuild",     "recovery"};
  return names;
}

}  // namespace orderly::bench
