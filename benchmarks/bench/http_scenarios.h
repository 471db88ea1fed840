// The HTTP part of the scenarios: every HTTP system wanted (orderly, and
// fastapi-postgres at each uvicorn worker count, shown at its best) at each
// connection count of the sweep, loaded by wrk with the same scripts.
#pragma once

#include <vector>

#include "benchmarks/bench/harness.h"
#include "benchmarks/bench/http_load.h"
#include "benchmarks/bench/scenarios.h"

namespace orderly::bench {

// One row per system and connection count (a peer at its best worker count;
// a run that broke an invariant is listed too). place-order adds Orderly's
// paced run: 256 connections offered 80% of the rate it reached at 256 just
// before. hot-product runs at the sweep's first connection count only.
Result<std::vector<Measurement>> http_scenario(const std::string& scenario, const RunOptions& o,
                                               const Workload& w, HttpKind kind);

}  // namespace orderly::bench
