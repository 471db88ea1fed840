// orderly-bench [SCENARIO ...] [--quick] [--json FILE] [--systems ...] [--mode ...]
//               [--connections LIST] [--fastapi-workers LIST]
// See benchmarks/README.md.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "benchmarks/bench/harness.h"
#include "benchmarks/bench/report.h"
#include "benchmarks/bench/scenarios.h"

using namespace orderly::bench;

int main(int argc, char** argv) {
  CLI::App app{"orderly-bench: Orderly side by side with its peers, same workload, one run"};
  std::vector<std::string> scenarios;
  RunOptions o;
  std::string json_file, mode = "both", out_dir = "bench-out";
  std::string systems = "orderly,raw-rocksdb,postgres,jetstream";
  app.add_option("SCENARIO", scenarios,
                 "http-health, http-product, place-order, mixed, hot-product, fanout, rebuild, "
                 "recovery")
      ->check(CLI::IsMember(all_scenarios()));
  app.add_flag("--quick", o.quick,
               "Short runs: one client count, 32 and 256 connections (CI smoke, 2-3 minutes)");
  app.add_option("--json", json_file, "Write the results as JSON to this file");
  app.add_option("--systems", systems,
                 "Comma-separated: orderly,raw-rocksdb,postgres,jetstream (in-process), "
                 "fastapi-postgres and orderly-replicated (HTTP; the latter writes only)");
  app.add_option("--mode", mode, "in-process, http or both")
      ->check(CLI::IsMember({"in-process", "http", "both"}));
  app.add_option("--out", out_dir, "Directory for the charts (PNG)")->capture_default_str();
  app.add_option("--recovery-events", o.recovery_events,
                 "Events in the log for rebuild and recovery (default 10M, quick 300k)");
  app.add_option("--shop-dir", o.shop_dir,
                 "Keep the generated log of rebuild and recovery in this directory, and reuse "
                 "it when it is already there (to measure a change without regenerating)");
  app.add_option("--connections", o.connections,
                 "HTTP mode: connection counts, comma-separated (default 32,256,1024; quick "
                 "32,256)")
      ->delimiter(',')
      ->check(CLI::Range(1, 20000));
  app.add_option("--fastapi-workers", o.fastapi_workers,
                 "uvicorn worker counts of the fastapi-postgres peer, comma-separated")
      ->delimiter(',')
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  o.peers_dir = ORDERLY_BENCH_PEERS_DIR;
  app.add_option("--peers-dir", o.peers_dir, "Where the peers' apps are (fastapi_shop/)")
      ->capture_default_str();
  app.add_option("--hot-stock", o.hot_stock,
                 "hot-product: units per product (default 20,000; small: refusals come early)");
  std::string binary;
  app.add_option("--orderly-binary", binary, "The orderly binary (default: next to this one)");
  CLI11_PARSE(app, argc, argv);

  if (scenarios.empty())
    scenarios = all_scenarios();
  o.systems.clear();
  for (size_t at = 0; at <= systems.size();) {
    const size_t comma = std::min(systems.find(',', at), systems.size());
    const std::string s = systems.substr(at, comma - at);
    if (s != "orderly" && s != "raw-rocksdb" && s != "postgres" && s != "jetstream" &&
        s != "fastapi-postgres" && s != "orderly-replicated") {
      std::fprintf(stderr, "orderly-bench: unknown system %s\n", s.c_str());
      return 2;
    }
    o.systems.push_back(s);
    at = comma + 1;
  }
  o.in_process = mode != "http";
  o.http = mode != "in-process";
  if (binary.empty()) {
    binary = (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "orderly").string();
  }
  o.orderly_binary = binary;
  if (o.http && !std::filesystem::exists(binary)) {
    std::fprintf(stderr, "orderly-bench: no orderly binary at %s (--orderly-binary)\n",
                 binary.c_str());
    return 2;
  }

  raise_open_file_limit();  // 1,024 connections, wrk's and the server's
  std::fprintf(stderr, "orderly-bench on %s%s\n", machine_description().c_str(),
               o.quick ? " (quick)" : "");
  std::vector<Measurement> all;
  int status = 0;
  for (const auto& name : scenarios) {
    std::fprintf(stderr, "%s\n", name.c_str());
    auto result = run_scenario(name, o);
    if (!result) {
      std::fprintf(stderr, "orderly-bench: %s failed: %s\n", name.c_str(),
                   result.status().message().c_str());
      status = 1;
      continue;
    }
    all.insert(all.end(), result->begin(), result->end());
  }
  const auto rs = ratios(all);
  const auto ts = targets(all);
  print_table(all, rs, ts);
  for (const auto& m : all) {
    if (!m.invariants_ok) {
      std::fprintf(stderr, "orderly-bench: %s / %s / %s broke its invariants: %s\n",
                   m.scenario.c_str(), m.mode.c_str(), m.system.c_str(), m.detail.c_str());
      status = 1;
    }
  }
  for (const auto& png : write_charts(all, out_dir))
    std::printf("chart: %s\n", png.c_str());
  if (!json_file.empty()) {
    std::ofstream(json_file) << to_json(all, rs, ts, o.quick);
    std::printf("json: %s\n", json_file.c_str());
  }
  return status;
}
