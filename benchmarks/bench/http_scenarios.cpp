#include "benchmarks/bench/http_scenarios.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>

#include "benchmarks/bench/orderly_http.h"
#include "benchmarks/bench/peers.h"

namespace orderly::bench {

namespace {

bool wants(const RunOptions& o, const std::string& system) {
  return std::find(o.systems.begin(), o.systems.end(), system) != o.systems.end();
}

struct HttpSystem {
  std::string name;
  std::function<Result<std::unique_ptr<HttpTarget>>()> start;
};

void print_run(const Measurement& m) {
  std::fprintf(stderr,
               "  %-16s %-22s %5d conns: %9.0f/s p50 %7.2f p99 %7.2f p99.9 %7.2f ms, cpu %6.0f "
               "us/op, %llu accepted %llu refused%s%s\n",
               m.system.c_str(), m.variant.c_str(), m.clients, m.throughput_per_s, m.p50_ms,
               m.p99_ms, m.p999_ms, m.cpu_us_per_op(), static_cast<unsigned long long>(m.accepted),
               static_cast<unsigned long long>(m.refused),
               m.invariants_ok ? ", invariants ok" : ", INVARIANTS BROKEN: ",
               m.invariants_ok ? "" : m.detail.c_str());
}

// One system instance: started once, the sweep run on it (reset to a fresh
// store before every run that writes but the first).
Result<std::vector<Measurement>> sweep(const HttpSystem& system, const std::string& scenario,
                                       HttpKind kind, bool quick,
                                       const std::vector<int>& connections, int seconds,
                                       bool paced) {
  auto target = system.start();
  if (!target)
    return target.status();
  const ScratchDir scripts("orderly-bench-wrk");
  std::vector<Measurement> out;
  // A warm-up first, not measured: the same requests for a few seconds
  // (the peer's asyncpg connections introspect their types on first use, a
  // cold Python worker is slow for its first second or two). A server
  // that runs for days is warm.
  // (Its figures are not kept, nor its failures: the runs that follow are
  // checked.) The quick run warms only the reads: no reset after it.
  if (!quick || !writes(kind)) {
    (void)run_wrk(**target, {scenario, kind, connections.front(), seconds / 2 + 1, 0},
                  scripts.path());
  }
  bool fresh = quick || !writes(kind);
  auto one = [&](WrkRun run) -> Status {
    if (writes(kind) && !fresh)
      ORDERLY_RETURN_IF_ERROR((*target)->reset());
    fresh = false;
    auto m = run_wrk(**target, run, scripts.path());
    if (!m)
      return m.status();
    print_run(*m);
    out.push_back(std::move(*m));
    return Status::ok();
  };
  for (int c : connections)
    ORDERLY_RETURN_IF_ERROR(one({scenario, kind, c, seconds, 0}));
  if (paced) {
    // 80% of the closed-loop peak at 256 connections (the last count
    // measured when 256 was not).
    const Measurement* peak = &out.back();
    for (const auto& m : out) {
      if (m.clients == 256)
        peak = &m;
    }
    const double rate = 0.8 * peak->throughput_per_s;
    ORDERLY_RETURN_IF_ERROR(one({scenario, kind, peak->clients, seconds, rate}));
    out.back().variant += ", paced at 80% of peak";
  }
  (*target)->stop();
  return out;
}

}  // namespace

Result<std::vector<Measurement>> http_scenario(const std::string& scenario, const RunOptions& o,
                                               const Workload& w, HttpKind kind) {
  std::vector<int> connections = http_connections(o);
  if (scenario == "hot-product")
    connections.resize(1);
  const int seconds = o.quick ? 2 : 6;
  std::vector<Measurement> out;
  if (wants(o, "orderly")) {
    HttpSystem orderly{"orderly", [&] { return start_orderly_http(o, w); }};
    auto ms =
        sweep(orderly, scenario, kind, o.quick, connections, seconds, scenario == "place-order");
    if (!ms)
      return ms.status();
    out.insert(out.end(), ms->begin(), ms->end());
  }
  // Replication's price (issue 25): the same sweep, no paced run.
  if (wants(o, "orderly-replicated") && writes(kind)) {
    HttpSystem replicated{"orderly-replicated",
                          [&] { return start_orderly_replicated_http(o, w); }};
    auto ms = sweep(replicated, scenario, kind, o.quick, connections, seconds, false);
    if (!ms)
      return ms.status();
    out.insert(out.end(), ms->begin(), ms->end());
  }
  if (wants(o, "fastapi-postgres")) {
    // Each worker count; per connection count the best throughput with its
    // invariants intact is shown (a broken run is listed too).
    std::map<int, std::optional<Measurement>> best, broken;
    for (int workers : o.fastapi_workers) {
      HttpSystem peer{"fastapi-postgres",
                      [&, workers] { return start_fastapi_postgres(o, w, workers); }};
      auto ms = sweep(peer, scenario, kind, o.quick, connections, seconds, false);
      if (!ms)
        return ms.status();
      for (const auto& m : *ms) {
        auto& b = best[m.clients];
        const bool better =
            !b || (m.invariants_ok && !b->invariants_ok) ||
            (m.invariants_ok == b->invariants_ok && m.throughput_per_s > b->throughput_per_s);
        if (better)
          b = m;
        if (!m.invariants_ok && !broken[m.clients])
          broken[m.clients] = m;
      }
    }
    for (int c : connections) {
      if (broken[c] && best[c] && best[c]->invariants_ok)
        out.push_back(*broken[c]);
      if (best[c])
        out.push_back(*best[c]);
    }
  }
  return out;
}

}  // namespace orderly::bench
