#include "benchmarks/bench/report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/clock.h"

namespace orderly::bench {

namespace json = boost::json;

namespace {

std::string label(const Measurement& m) {
  return m.variant.empty() ? m.system : m.system + " (" + m.variant + ")";
}

double round3(double v) {
  return std::round(v * 1000) / 1000;
}

}  // namespace

std::string machine_description() {
  std::ifstream cpu("/proc/cpuinfo");
  std::string line, model;
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::ifstream mem("/proc/meminfo");
  std::string memline;
  std::getline(mem, memline);
  const double gib = std::atof(memline.c_str() + 9) / 1024 / 1024;
  utsname u{};
  uname(&u);
  char buf[512];
  std::snprintf(buf, sizeof buf, "%ld cores, %s, %.0f GiB, Linux %s", sysconf(_SC_NPROCESSORS_ONLN),
                model.c_str(), gib, u.release);
  return buf;
}

std::vector<Ratio> ratios(const std::vector<Measurement>& all) {
  std::vector<Ratio> out;
  for (const auto& o : all) {
    if (o.system != "orderly" || o.throughput_per_s <= 0 || o.offered_per_s > 0)
      continue;
    for (const auto& p : all) {
      // Over HTTP, like with like: the same connection count, closed loop.
      if (p.system == "orderly" || p.scenario != o.scenario || p.mode != o.mode ||
          p.throughput_per_s <= 0 || p.offered_per_s > 0 ||
          (o.mode == "http" && p.clients != o.clients)) {
        continue;
      }
      Ratio r;
      r.scenario = o.scenario;
      r.mode = o.mode;
      r.peer = label(p) + (o.mode == "http" ? " @" + std::to_string(o.clients) : "");
      r.throughput = o.throughput_per_s / p.throughput_per_s;
      r.p99 = o.p99_ms > 0 ? p.p99_ms / o.p99_ms : 0;
      out.push_back(r);
    }
  }
  return out;
}

namespace {

// The closed-loop HTTP row of a system at a connection count (nullptr: none).
const Measurement* http_row(const std::vector<Measurement>& all, const std::string& scenario,
                            const std::string& system, int clients) {
  const Measurement* found = nullptr;
  for (const auto& m : all) {
    if (m.scenario == scenario && m.mode == "http" && m.system == system && m.clients == clients &&
        m.offered_per_s == 0 && m.invariants_ok) {
      found = &m;
    }
  }
  return found;
}

// The best closed-loop row of a system in a scenario and mode.
const Measurement* best_row(const std::vector<Measurement>& all, const std::string& scenario,
                            const std::string& mode, const std::string& system) {
  const Measurement* best = nullptr;
  for (const auto& m : all) {
    if (m.scenario == scenario && m.mode == mode && m.system == system && m.offered_per_s == 0 &&
        m.invariants_ok && (!best || m.throughput_per_s > best->throughput_per_s)) {
      best = &m;
    }
  }
  return best;
}

Target at_least(std::string what, double value, double goal) {
  char g[32];
  std::snprintf(g, sizeof g, ">= %g", goal);
  return {std::move(what), value, goal > 0 ? g : "", goal > 0 && value >= goal};
}

}  // namespace

std::vector<Target> targets(const std::vector<Measurement>& all) {
  std::vector<Target> out;
  std::set<int> counts;
  for (const auto& m : all) {
    if (m.mode == "http" && m.offered_per_s == 0)
      counts.insert(m.clients);
  }
  // No collapse with connections: 256 and 1,024 against 32.
  for (const char* scenario : {"http-health", "http-product", "place-order", "mixed"}) {
    for (const char* system : {"orderly", "fastapi-postgres"}) {
      const Measurement* base = http_row(all, scenario, system, 32);
      for (int c : counts) {
        const Measurement* m = c == 32 ? nullptr : http_row(all, scenario, system, c);
        if (!base || !m || base->throughput_per_s <= 0)
          continue;
        const bool goal = std::string(system) == "orderly" && std::string(scenario) != "mixed";
        out.push_back(at_least(std::string(scenario) + " " + system + ": throughput at " +
                                   std::to_string(c) + " / at 32 connections",
                               m->throughput_per_s / base->throughput_per_s, goal ? 0.9 : 0));
      }
    }
  }
  // Placing orders over HTTP against in-process, the same run.
  if (const Measurement* in = best_row(all, "place-order", "in-process", "orderly")) {
    for (int c : counts) {
      if (const Measurement* m = http_row(all, "place-order", "orderly", c)) {
        out.push_back(at_least("place-order orderly: HTTP at " + std::to_string(c) +
                                   " connections / in-process (" + std::to_string(in->clients) +
                                   " clients)",
                               m->throughput_per_s / in->throughput_per_s, 0.5));
      }
    }
  }
  // The paced run's tail.
  for (const auto& m : all) {
    if (m.scenario == "place-order" && m.mode == "http" && m.system == "orderly" &&
        m.offered_per_s > 0) {
      char what[160];
      std::snprintf(what, sizeof what,
                    "place-order orderly: p99 ms at %d connections, offered %.0f/s (achieved "
                    "%.0f/s)",
                    m.clients, m.offered_per_s, m.throughput_per_s);
      out.push_back({what, m.p99_ms, "< 10 ms", m.invariants_ok && m.p99_ms < 10});
    }
  }
  // Against the peer at its best: per connection count, and best against best.
  for (const auto& [scenario, goal] :
       std::vector<std::pair<std::string, double>>{{"place-order", 20}, {"mixed", 10}}) {
    for (int c : counts) {
      const Measurement* o = http_row(all, scenario, "orderly", c);
      const Measurement* p = http_row(all, scenario, "fastapi-postgres", c);
      if (o && p && p->throughput_per_s > 0) {
        out.push_back(at_least(scenario + " orderly / fastapi-postgres (" + p->variant + ") at " +
                                   std::to_string(c) + " connections",
                               o->throughput_per_s / p->throughput_per_s, goal));
      }
    }
    const Measurement* o = best_row(all, scenario, "http", "orderly");
    const Measurement* p = best_row(all, scenario, "http", "fastapi-postgres");
    if (o && p && p->throughput_per_s > 0) {
      out.push_back(at_least(scenario + " orderly best (" + std::to_string(o->clients) +
                                 ") / fastapi-postgres best (" + p->variant + ", " +
                                 std::to_string(p->clients) + ")",
                             o->throughput_per_s / p->throughput_per_s, goal));
    }
  }
  // Replication's price (issue 25): the replicated leader against the
  // single node, the same connection count, p99 beside it.
  for (const char* scenario : {"place-order", "mixed"}) {
    for (int c : counts) {
      const Measurement* single = http_row(all, scenario, "orderly", c);
      const Measurement* replicated = http_row(all, scenario, "orderly-replicated", c);
      if (!single || !replicated || single->throughput_per_s <= 0)
        continue;
      char what[200];
      std::snprintf(what, sizeof what,
                    "%s orderly-replicated / orderly at %d connections (p99 %.1f ms against "
                    "%.1f ms)",
                    scenario, c, replicated->p99_ms, single->p99_ms);
      out.push_back(at_least(what, replicated->throughput_per_s / single->throughput_per_s, 0.5));
    }
  }
  // Server CPU per placed order over HTTP.
  for (int c : counts) {
    if (const Measurement* m = http_row(all, "place-order", "orderly", c)) {
      out.push_back({"place-order orderly: server CPU us per order over HTTP at " +
                         std::to_string(c) + " connections",
                     m->cpu_us_per_op(), "<= 40", m->cpu_us_per_op() <= 40});
    }
  }
  return out;
}

void print_table(const std::vector<Measurement>& all, const std::vector<Ratio>& rs,
                 const std::vector<Target>& ts) {
  std::printf("\n%-12s %-10s %-44s %-16s %5s %11s %8s %8s %8s %8s %8s %8s %8s %s\n", "scenario",
              "mode", "system", "durability", "cli", "per s", "p50 ms", "p95 ms", "p99 ms",
              "p99.9 ms", "cpu s/1k", "cpu us", "rss MB", "invariants");
  for (const auto& m : all) {
    std::printf("%-12s %-10s %-44s %-16s %5d %11.0f %8.3f %8.3f %8.3f %8.3f %8.3f %8.1f %8.0f %s\n",
                m.scenario.c_str(), m.mode.c_str(), label(m).c_str(), m.durability.c_str(),
                m.clients, m.throughput_per_s, m.p50_ms, m.p95_ms, m.p99_ms, m.p999_ms,
                m.cpu_s_per_1k, m.cpu_us_per_op(), m.peak_rss_mb,
                m.invariants_ok ? ("ok" + (m.detail.empty() ? "" : " (" + m.detail + ")")).c_str()
                                : ("BROKEN: " + m.detail).c_str());
  }
  if (!rs.empty()) {
    std::printf("\n%-12s %-10s %-40s %16s %18s\n", "scenario", "mode", "peer", "orderly/peer tput",
                "peer/orderly p99");
    for (const auto& r : rs) {
      std::printf("%-12s %-10s %-40s %15.2fx %17.2fx\n", r.scenario.c_str(), r.mode.c_str(),
                  r.peer.c_str(), r.throughput, r.p99);
    }
  }
  if (!ts.empty()) {
    std::printf("\nHTTP targets (issues 24 and 25)\n%-100s %10s %10s %s\n", "figure", "value",
                "goal", "");
    for (const auto& t : ts) {
      std::printf("%-100s %10.2f %10s %s\n", t.what.c_str(), t.value, t.goal.c_str(),
                  t.goal.empty() ? ""
                  : t.met        ? "met"
                                 : "NOT MET");
    }
  }
}

std::string to_json(const std::vector<Measurement>& all, const std::vector<Ratio>& rs,
                    const std::vector<Target>& ts, bool quick) {
  json::array scenarios;
  for (const auto& m : all) {
    scenarios.push_back(json::object{{"name", m.scenario},
                                     {"mode", m.mode},
                                     {"system", m.system},
                                     {"variant", m.variant},
                                     {"durability", m.durability},
                                     {"clients", m.clients},
                                     {"seconds", round3(m.seconds)},
                                     {"throughput_per_s", round3(m.throughput_per_s)},
                                     {"p50_ms", round3(m.p50_ms)},
                                     {"p95_ms", round3(m.p95_ms)},
                                     {"p99_ms", round3(m.p99_ms)},
                                     {"p999_ms", round3(m.p999_ms)},
                                     {"cpu_s_per_1k", round3(m.cpu_s_per_1k)},
                                     {"cpu_us_per_request", round3(m.cpu_us_per_op())},
                                     {"offered_per_s", round3(m.offered_per_s)},
                                     {"workers", m.workers},
                                     {"peak_rss_mb", round3(m.peak_rss_mb)},
                                     {"accepted", m.accepted},
                                     {"refused", m.refused},
                                     {"queries", m.queries},
                                     {"errors", m.errors},
                                     {"invariants_ok", m.invariants_ok},
                                     {"detail", m.detail}});
  }
  json::array ratio_list;
  for (const auto& r : rs) {
    ratio_list.push_back(json::object{{"scenario", r.scenario},
                                      {"mode", r.mode},
                                      {"peer", r.peer},
                                      {"throughput_orderly_over_peer", round3(r.throughput)},
                                      {"p99_peer_over_orderly", round3(r.p99)}});
  }
  json::array target_list;
  for (const auto& t : ts) {
    target_list.push_back(json::object{
        {"what", t.what}, {"value", round3(t.value)}, {"goal", t.goal}, {"met", t.met}});
  }
  return json::serialize(json::object{{"machine", machine_description()},
                                      {"date", format_rfc3339(now_us())},
                                      {"quick", quick},
                                      {"scenarios", std::move(scenarios)},
                                      {"ratios", std::move(ratio_list)},
                                      {"targets", std::move(target_list)}}) +
         "\n";
}

std::vector<std::string> write_charts(const std::vector<Measurement>& all, const std::string& dir) {
  std::vector<std::string> written;
  std::set<std::pair<std::string, std::string>> groups;
  for (const auto& m : all)
    groups.insert({m.scenario, m.mode});
  std::filesystem::create_directories(dir);
  for (const auto& [scenario, mode] : groups) {
    std::vector<const Measurement*> ms;
    for (const auto& m : all) {
      if (m.scenario == scenario && m.mode == mode)
        ms.push_back(&m);
    }
    if (ms.size() < 2)
      continue;
    const std::string stem = dir + "/" + scenario + "-" + mode;
    {
      std::ofstream dat(stem + ".dat");
      for (const auto* m : ms)
        dat << '"' << label(*m) << (m->mode == "http" ? " @" + std::to_string(m->clients) : "")
            << "\" " << m->throughput_per_s << ' ' << m->p99_ms << '\n';
    }
    std::ofstream gp(stem + ".gp");
    gp << "set terminal pngcairo size 1100,500 noenhanced\n"
       << "set output '" << stem << ".png'\n"
       << "set multiplot layout 1,2 title '" << scenario << " (" << mode << ")'\n"
       << "set style data histograms\nset style fill solid 0.8\nset boxwidth 0.7\n"
       << "set xtics rotate by -30 font ',8'\nset key off\nset grid ytics\nset yrange [0:*]\n"
       << "set title 'throughput per s (higher is better)'\n"
       << "plot '" << stem << ".dat' using 2:xtic(1) lc rgb '#3b7dd8'\n"
       << "set title 'p99 latency, ms (lower is better)'\n"
       << "plot '" << stem << ".dat' using 3:xtic(1) lc rgb '#d8703b'\n"
       << "unset multiplot\n";
    gp.close();
    if (std::system(("gnuplot " + stem + ".gp >/dev/null 2>&1").c_str()) == 0)
      written.push_back(stem + ".png");
  }
  return written;
}

}  // namespace orderly::bench
