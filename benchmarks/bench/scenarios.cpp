#include "benchmarks/bench/scenarios.h"

#include <algorithm>
#include <cstdio>

#include "benchmarks/bench/http_scenarios.h"
#include "benchmarks/bench/orderly_scenarios.h"
#include "benchmarks/bench/peers.h"
#include "benchmarks/bench/sys_orderly.h"

namespace orderly::bench {

namespace {

bool wants(const RunOptions& o, const std::string& system) {
  return std::find(o.systems.begin(), o.systems.end(), system) != o.systems.end();
}

// Every system of the comparison, fresh per measurement.
// `with_queries`: only the systems that answer the shop's queries (mixed),
// Orderly with its read models running.
std::vector<std::function<std::unique_ptr<System>()>> systems_to_compare(const RunOptions& o,
                                                                         const Workload& w,
                                                                         bool with_queries) {
  std::vector<std::function<std::unique_ptr<System>()>> out;
  if (wants(o, "orderly"))
    out.push_back([with_queries] { return make_orderly_in_process(with_queries); });
  std::vector<std::string> bytes;
  if (wants(o, "raw-rocksdb") || wants(o, "postgres") || wants(o, "jetstream"))
    bytes = capture_order_envelopes(w, 1000);
  if (with_queries) {
    if (wants(o, "postgres")) {
      out.push_back([bytes] { return make_postgres(bytes, false); });
      out.push_back([bytes] { return make_postgres(bytes, true); });
    }
    return out;
  }
  if (wants(o, "raw-rocksdb"))
    out.push_back([bytes] { return make_raw_rocksdb(bytes); });
  if (wants(o, "postgres")) {
    out.push_back([bytes] { return make_postgres(bytes, false); });
    out.push_back([bytes] { return make_postgres(bytes, true); });
  }
  if (wants(o, "jetstream")) {
    out.push_back([bytes] { return make_jetstream(bytes, false); });
    out.push_back([bytes] { return make_jetstream(bytes, true); });
  }
  return out;
}

// Each system at each client count; the best throughput with its
// invariants intact is kept (a run that broke them is kept if nothing else).
std::vector<Measurement> compare(const std::string& scenario, const RunOptions& o,
                                 const Workload& w, const std::vector<int>& client_counts,
                                 std::chrono::milliseconds duration, int query_percent = 0) {
  std::vector<Measurement> out;
  for (const auto& make : systems_to_compare(o, w, query_percent > 0)) {
    std::optional<Measurement> best, broken;
    for (int clients : client_counts) {
      auto system = make();
      Status st = system->prepare(w);
      if (!st.is_ok()) {
        Measurement m;
        m.scenario = scenario;
        m.mode = "in-process";
        m.system = system->name();
        m.variant = system->variant();
        m.durability = system->durability();
        m.detail = "could not start: " + st.message();
        std::fprintf(stderr, "  %s (%s): %s\n", m.system.c_str(), m.variant.c_str(),
                     m.detail.c_str());
        best = m;
        break;
      }
      LoadOptions load;
      load.clients = clients;
      load.duration = duration;
      load.query_percent = query_percent;
      Measurement m = run_place_orders(*system, w, load, scenario);
      system->stop();
      std::fprintf(stderr, "  %-11s %-18s %3d clients: %9.0f/s p99 %7.2f ms%s\n", m.system.c_str(),
                   m.variant.c_str(), clients, m.throughput_per_s, m.p99_ms,
                   m.invariants_ok ? "" : ("  INVARIANTS BROKEN: " + m.detail).c_str());
      const bool better =
          !best || (m.invariants_ok && !best->invariants_ok) ||
          (m.invariants_ok == best->invariants_ok && m.throughput_per_s > best->throughput_per_s);
      if (better)
        best = m;
      if (!m.invariants_ok && !broken)
        broken = m;
    }
    // A client count that broke an invariant is reported too, whatever the
    // best run did: the run then fails (a fast wrong answer is no result).
    if (broken && best && best->invariants_ok)
      out.push_back(*broken);
    if (best)
      out.push_back(*best);
  }
  return out;
}

}  // namespace

namespace {
Result<std::vector<Measurement>> run_scenario_unguarded(const std::string& name,
                                                        const RunOptions& o);
}  // namespace

Result<std::vector<Measurement>> run_scenario(const std::string& name, const RunOptions& o) {
  // An answer of unexpected shape (a JSON key missing) fails the scenario,
  // not the run.
  try {
    return run_scenario_unguarded(name, o);
  } catch (const std::exception& e) {
    return Status::internal(std::string("unexpected answer: ") + e.what());
  }
}

namespace {

// Appends what a runner measured; its error ends the scenario.
Status add(std::vector<Measurement>& out, Result<Measurement> m) {
  if (!m)
    return m.status();
  out.push_back(std::move(*m));
  return Status::ok();
}
Status add(std::vector<Measurement>& out, Result<std::vector<Measurement>> m) {
  if (!m)
    return m.status();
  out.insert(out.end(), m->begin(), m->end());
  return Status::ok();
}

Result<std::vector<Measurement>> run_scenario_unguarded(const std::string& name,
                                                        const RunOptions& o) {
  const auto duration = std::chrono::milliseconds(o.quick ? 2000 : 6000);
  std::vector<Measurement> out;
  const bool orderly = wants(o, "orderly");
  if (name == "place-order" || name == "hot-product") {
    Workload w;
    // Up to 256 concurrent clients: a shop's checkout traffic is many
    // independent customers. Every system runs every count; each is shown at
    // its best (the PostgreSQL and JetStream peers peak at 16 on this machine).
    std::vector<int> sweep = {1, 4, 16, 64, 256};
    if (name == "hot-product") {  // many orders racing for few products
      w.hot_products = 5;
      w.stock = o.hot_stock > 0 ? o.hot_stock : 20'000;
      sweep = {4, 16, 64};
    }
    if (o.quick)
      sweep = {16};
    if (o.in_process)
      ORDERLY_RETURN_IF_ERROR(add(out, compare(name, o, w, sweep, duration)));
    if (o.http)
      ORDERLY_RETURN_IF_ERROR(add(out, http_scenario(name, o, w, HttpKind::kOrders)));
    return out;
  }
  if (name == "mixed") {  // 90% queries, 10% orders; PostgreSQL answers the same reads
    if (o.in_process) {
      ORDERLY_RETURN_IF_ERROR(
          add(out,
              compare(name, o, Workload{},
                      o.quick ? std::vector<int>{16} : std::vector<int>{4, 16, 64}, duration, 90)));
    }
    if (o.http)
      ORDERLY_RETURN_IF_ERROR(add(out, http_scenario(name, o, Workload{}, HttpKind::kMixed)));
    return out;
  }
  if (name == "http-health" || name == "http-product") {  // HTTP only, every HTTP system
    if (o.http) {
      ORDERLY_RETURN_IF_ERROR(
          add(out, http_scenario(name, o, Workload{},
                                 name == "http-health" ? HttpKind::kHealth : HttpKind::kProduct)));
    }
    return out;
  }
  if (!orderly)  // the other scenarios have no peer (README.md)
    return out;
  if (name == "rebuild") {
    ORDERLY_RETURN_IF_ERROR(add(out, orderly_rebuild(o)));
    return out;
  }
  if (name == "recovery") {
    ORDERLY_RETURN_IF_ERROR(add(out, orderly_recovery(o)));
    return out;
  }
  if (name == "fanout") {
    ORDERLY_RETURN_IF_ERROR(add(out, orderly_fanout(o)));
    return out;
  }
  return Status::invalid_argument("no scenario named " + name);
}

}  // namespace

}  // namespace orderly::bench
