// Orderly itself, in-process: the engine's own API (CommandProcessor), no
// HTTP. Its captured event bytes also feed the peers that store bytes.
#pragma once

#include <memory>

#include "benchmarks/bench/harness.h"
#include "commands/processor.h"

namespace orderly::bench {

// `read_models`: the read models run too and answer queries (the mixed
// scenario); place-order measures the writer alone.
std::unique_ptr<System> make_orderly_in_process(bool read_models = false);

// The workload's catalog through the real commands (CreateProduct, as an admin).
Status create_catalog(commands::CommandProcessor& writer, const Workload& w);

// The envelopes Orderly wrote for `n` PlaceOrder commands of the workload
// (a throwaway store, fsync off): what the byte-storing peers write, so
// every system stores the same bytes.
std::vector<std::string> capture_order_envelopes(const Workload& w, int n);

}  // namespace orderly::bench
