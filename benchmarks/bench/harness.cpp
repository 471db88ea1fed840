#include "benchmarks/bench/harness.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/digest.h"

namespace orderly::bench {

namespace {

Uuid uuid_from(const std::string& seed) {
  const std::string hex = digest128_hex(seed);
  // Version 4 layout, so every peer's uuid column accepts it.
  std::string t = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-4" + hex.substr(13, 3) + "-a" +
                  hex.substr(17, 3) + "-" + hex.substr(20, 12);
  return *Uuid::parse(t);
}

}  // namespace

Uuid product_id(const Workload& w, int index) {
  return uuid_from("product:" + std::to_string(w.seed) + ":" + std::to_string(index));
}

namespace {
constexpr const char* kWords[] = {"espresso", "cup",    "moka",  "pot",   "grinder", "kettle",
                                  "mug",      "filter", "beans", "tea",   "jar",     "tin",
                                  "spoon",    "scale",  "press", "carafe"};
constexpr size_t kWordCount = sizeof kWords / sizeof kWords[0];
}  // namespace

std::string product_name(int index) {
  const auto i = static_cast<size_t>(index);
  return std::string(kWords[i % kWordCount]) + " " + kWords[(i / kWordCount) % kWordCount] + " " +
         std::to_string(index);
}

std::string product_description(int index) {
  const auto i = static_cast<size_t>(index);
  return std::string("A fine ") + kWords[(i * 7) % kWordCount] + " for the " +
         kWords[(i * 11) % kWordCount];
}

std::string search_words(std::mt19937_64& rng) {
  std::string q = kWords[rng() % kWordCount];
  if (rng() % 2 == 0)
    q += std::string(" ") + kWords[rng() % kWordCount];
  return q;
}

int64_t price_cents(int index) {
  return 100 + (static_cast<int64_t>(index) * 7919) % 20'000;
}

Uuid user_id(const Workload& w, int index) {
  return uuid_from("user:" + std::to_string(w.seed) + ":" + std::to_string(index));
}

OrderSpec make_order(const Workload& w, std::mt19937_64& rng) {
  OrderSpec o;
  uint64_t a = rng(), b = rng();
  // A random (version 4) order id: unique across threads and runs.
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  o.order_id = Uuid{a, b};
  o.user_id = user_id(w, static_cast<int>(rng() % static_cast<uint64_t>(w.users)));
  const int pool = w.hot_products > 0 ? w.hot_products : w.products;
  for (size_t i = 0; i < 3; ++i) {
    int p = 0;
    do {
      p = static_cast<int>(rng() % static_cast<uint64_t>(pool));
    } while (std::find(o.products.begin(), o.products.begin() + static_cast<long>(i), p) !=
             o.products.begin() + static_cast<long>(i));
    o.products[i] = p;
    o.quantities[i] = 1 + static_cast<int64_t>(rng() % 3);
  }
  return o;
}

int64_t order_total(const OrderSpec& o) {
  int64_t t = 0;
  for (size_t i = 0; i < 3; ++i)
    t += price_cents(o.products[i]) * o.quantities[i];
  return t;
}

double Latencies::percentile_ms(double p) {
  if (us.empty())
    return 0;
  const size_t k = std::min(us.size() - 1, static_cast<size_t>(p / 100.0 * us.size()));
  std::nth_element(us.begin(), us.begin() + static_cast<long>(k), us.end());
  return us[k] / 1000.0;
}

Measurement run_place_orders(System& system, const Workload& w, const LoadOptions& load,
                             const std::string& scenario) {
  Measurement m;
  m.scenario = scenario;
  m.mode = "in-process";
  m.system = system.name();
  m.variant = system.variant();
  m.durability = system.durability();
  m.clients = load.clients;
  std::mutex mu;
  Latencies all;
  std::vector<OrderSpec> accepted;
  std::atomic<uint64_t> issued{0}, refused{0}, errors{0}, queries{0};
  std::atomic<bool> stop{false};
  system.reset_peaks();
  const double cpu0 = system.cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < load.clients; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937_64 rng(w.seed * 1'000'003 + static_cast<uint64_t>(c) * 7919 +
                          static_cast<uint64_t>(t0.time_since_epoch().count()));
      Latencies mine;
      std::vector<OrderSpec> ok;
      while (!stop.load(std::memory_order_relaxed)) {
        if (issued.fetch_add(1) >= load.max_orders)
          break;
        if (load.query_percent > 0 && static_cast<int>(rng() % 100) < load.query_percent) {
          const auto s = std::chrono::steady_clock::now();
          const Outcome r = system.query(c, w, rng);
          mine.add(std::chrono::steady_clock::now() - s);
          if (r == Outcome::kError)
            errors.fetch_add(1);
          else
            queries.fetch_add(1);
          continue;
        }
        const OrderSpec o = make_order(w, rng);
        const auto s = std::chrono::steady_clock::now();
        const Outcome r = system.place_order(c, o);
        mine.add(std::chrono::steady_clock::now() - s);
        if (r == Outcome::kAccepted)
          ok.push_back(o);
        else if (r == Outcome::kRefused)
          refused.fetch_add(1);
        else
          errors.fetch_add(1);
      }
      std::lock_guard lock(mu);
      all.us.insert(all.us.end(), mine.us.begin(), mine.us.end());
      accepted.insert(accepted.end(), ok.begin(), ok.end());
    });
  }
  while (std::chrono::steady_clock::now() - t0 < load.duration && issued.load() < load.max_orders)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop.store(true);
  for (auto& t : clients)
    t.join();
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = system.cpu_seconds() - cpu0;
  m.accepted = accepted.size();
  m.refused = refused.load();
  m.errors = errors.load();
  m.queries = queries.load();
  const uint64_t done = m.accepted + m.refused + m.queries;
  m.throughput_per_s = static_cast<double>(done) / m.seconds;
  m.p50_ms = all.percentile_ms(50);
  m.p95_ms = all.percentile_ms(95);
  m.p99_ms = all.percentile_ms(99);
  m.p999_ms = all.percentile_ms(99.9);
  m.cpu_s_per_1k = done ? cpu / static_cast<double>(done) * 1000.0 : 0;
  m.peak_rss_mb = system.peak_rss_mb();
  Status st = system.check(w, accepted);
  m.invariants_ok = st.is_ok() && m.errors == 0;
  if (!st.is_ok())
    m.detail = st.message();
  else if (m.errors > 0)
    m.detail = std::to_string(m.errors) + " orders failed with an error";
  return m;
}

double cpu_seconds_of_pid(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line))
    return 0;
  // Fields after the command name (which may hold spaces) start after ')'.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14)
      utime = std::atof(field.c_str());
    if (i == 15)
      stime = std::atof(field.c_str());
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double cpu_seconds_of_self() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::vector<int> process_tree(int root) {
  std::vector<std::pair<int, int>> parent_of;  // (pid, ppid)
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    if (!std::getline(stat, line) || line.rfind(')') == std::string::npos)
      continue;
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string state;
    int ppid = 0;
    rest >> state >> ppid;
    parent_of.emplace_back(std::atoi(name.c_str()), ppid);
  }
  std::vector<int> tree = {root};
  for (size_t i = 0; i < tree.size(); ++i) {
    for (const auto& [pid, ppid] : parent_of) {
      if (ppid == tree[i])
        tree.push_back(pid);
    }
  }
  return tree;
}

std::vector<std::pair<int, double>> cpu_by_pid(const std::vector<int>& pids) {
  std::vector<std::pair<int, double>> out;
  for (int pid : pids)
    out.emplace_back(pid, cpu_seconds_of_pid(pid));
  return out;
}

double cpu_seconds_since(const std::vector<std::pair<int, double>>& before,
                         const std::vector<int>& pids_now) {
  double s = 0;
  for (int pid : pids_now) {
    double then = 0;
    for (const auto& [p, cpu] : before) {
      if (p == pid)
        then = cpu;
    }
    s += cpu_seconds_of_pid(pid) - then;
  }
  return s;
}

void raise_open_file_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

double peak_rss_mb_of_pid(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0)
      return std::atof(line.c_str() + 6) / 1024.0;  // kB
  }
  return 0;
}

void reset_peak_rss_of_pid(int pid) {
  std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5";
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    return "";
  return tmpl;
}

ScratchDir::~ScratchDir() {
  if (path_.empty())
    return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace orderly::bench
