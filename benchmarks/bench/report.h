// What a run prints and writes: the table, the ratios Orderly/peer, the
// JSON file (CONTRACT.md's shape, plus variant, clients and the counts), and
// one PNG chart per scenario (gnuplot).
#pragma once

#include <string>
#include <vector>

#include "benchmarks/bench/harness.h"

namespace orderly::bench {

struct Ratio {
  std::string scenario, mode, peer;
  double throughput = 0;  // Orderly / peer
  double p99 = 0;         // peer / Orderly (above 1: Orderly's tail is shorter)
};

// A figure the HTTP targets (issue 24) are judged by, from the rows of one
// run: a ratio (HTTP / in-process, 256 or 1,024 connections / 32, Orderly /
// fastapi-postgres) or a single figure (the paced run's p99, CPU per order).
struct Target {
  std::string what;
  double value = 0;
  std::string goal;  // ">= 0.9", "< 10 ms", ...; "" for a figure shown for context
  bool met = false;
};

std::string machine_description();
std::vector<Ratio> ratios(const std::vector<Measurement>& all);
std::vector<Target> targets(const std::vector<Measurement>& all);
void print_table(const std::vector<Measurement>& all, const std::vector<Ratio>& r,
                 const std::vector<Target>& t);
std::string to_json(const std::vector<Measurement>& all, const std::vector<Ratio>& r,
                    const std::vector<Target>& t, bool quick);
// One chart per scenario with more than one system; the files written.
std::vector<std::string> write_charts(const std::vector<Measurement>& all, const std::string& dir);

}  // namespace orderly::bench
