#include "benchmarks/bench/http_load.h"

#include <boost/json.hpp>

#include <fstream>

#include "tests/support/process.h"

namespace orderly::bench {

namespace json = boost::json;

bool writes(HttpKind kind) {
  return kind == HttpKind::kOrders || kind == HttpKind::kMixed;
}

namespace {

const char* kind_name(HttpKind kind) {
  switch (kind) {
    case HttpKind::kHealth:
      return "health";
    case HttpKind::kProduct:
      return "product";
    case HttpKind::kOrders:
      return "orders";
    case HttpKind::kMixed:
      return "mixed";
  }
  return "orders";
}

// wrk's threads: the machine has 2 cores, which wrk shares with the server.
constexpr int kWrkThreads = 2;

// The Lua script wrk runs, the same for every server. `kind` picks the
// requests (orders: POST /api/orders with three distinct products and a
// random user's token; mixed: 10% of those, the rest a catalog search, a
// product or the user's orders). Answers are counted by status.
//
// Pacing (`pace_ms` > 0): wrk has no rate option, only delay(), asked
// before each request a thread sends. Each thread keeps a schedule, one
// request every `pace_ms` on average (uniform jitter, 0.5x to 1.5x),
// against a monotonic clock (LuaJIT's FFI: wrk's Lua has none finer than a
// second), and delays each request to its slot; behind schedule, it sends
// at once. A request can only go out on a free connection, so the offered
// rate is reached only while the connections suffice; the achieved rate is
// reported beside it.
std::string wrk_script(const std::vector<std::string>& products,
                       const std::vector<std::string>& tokens, HttpKind kind, double pace_ms) {
  std::string s = std::string("local kind = \"") + kind_name(kind) + "\"\n" +
                  "local order_share = " + (kind == HttpKind::kMixed ? "10" : "100") + "\n" +
                  "local pace_ms = " + std::to_string(pace_ms) + "\nlocal products = {";
  for (const auto& p : products)
    s += "\"" + p + "\",";
  s += "}\nlocal tokens = {";
  for (const auto& t : tokens)
    s += "\"" + t + "\",";
  s += R"lua(}
local words = {"espresso", "cup", "moka", "pot", "grinder", "kettle", "mug", "filter", "beans",
               "tea", "jar", "tin", "spoon", "scale", "press", "carafe"}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  created, refused, queried, other, other_status = 0, 0, 0, 0, 0
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
if pace_ms > 0 then
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock, bench_timespec *ts);
  ]]
  local ts = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1000000
  end
  local slot = nil
  function delay()
    local now = now_ms()
    slot = (slot or now) + pace_ms * (0.5 + math.random())
    if slot <= now then return 0 end
    return slot - now
  end
end
local function order()
  local token = tokens[math.random(#tokens)]
  local a = math.random(#products)
  local b = a
  while b == a do b = math.random(#products) end
  local c = a
  while c == a or c == b do c = math.random(#products) end
  local body = string.format(
    '{"items":[{"product_id":"%s","quantity":%d},{"product_id":"%s","quantity":%d},{"product_id":"%s","quantity":%d}]}',
    products[a], math.random(3), products[b], math.random(3), products[c], math.random(3))
  return wrk.format("POST", "/api/orders", {
    ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
function request()
  if kind == "health" then
    return wrk.format("GET", "/health")
  elseif kind == "product" then
    return wrk.format("GET", "/api/products/" .. products[math.random(#products)])
  end
  local dice = math.random(100)
  if dice <= order_share then
    return order()
  end
  local query = dice % 3
  if query == 0 then
    return wrk.format("GET", "/api/products?q=" .. words[math.random(#words)] .. "+" .. words[math.random(#words)])
  elseif query == 1 then
    return wrk.format("GET", "/api/products/" .. products[math.random(#products)])
  end
  return wrk.format("GET", "/api/orders",
                    {["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]})
end
function response(status, headers, body)
  if status == 201 or status == 202 then created = created + 1  -- 202: stored, read model behind
  elseif status == 409 then refused = refused + 1
  elseif status == 200 then queried = queried + 1
  else
    other = other + 1
    if other_status == 0 then other_status = status end
  end
end
function done(summary, latency, requests)
  local c, r, q, o, os = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); r = r + t:get("refused"); q = q + t:get("queried")
    o = o + t:get("other")
    if t:get("other_status") ~= 0 then os = t:get("other_status") end
  end
  io.write(string.format(
    'WRK {"created":%d,"refused":%d,"queried":%d,"other":%d,"other_status":%d,"errors":%d,' ..
    '"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"p999_us":%d}\n',
    c, r, q, o, os,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency:percentile(99.9)))
end
)lua";
  return s;
}

}  // namespace

Result<Measurement> run_wrk(HttpTarget& target, const WrkRun& run, const std::string& dir) {
  Measurement m;
  m.scenario = run.scenario;
  m.mode = "http";
  m.system = target.system();
  m.variant = target.variant();
  m.workers = target.workers();
  m.durability = "fsync";
  m.clients = run.connections;
  m.offered_per_s = run.pace_per_s;
  // Each wrk thread offers its share of the rate.
  const double pace_ms = run.pace_per_s > 0 ? kWrkThreads * 1000.0 / run.pace_per_s : 0;
  const std::string script = dir + "/" + run.scenario + ".lua";
  std::ofstream(script) << wrk_script(target.product_ids(), target.tokens(), run.kind, pace_ms);
  const auto before = cpu_by_pid(target.server_pids());
  for (const auto& [pid, cpu] : before)
    reset_peak_rss_of_pid(pid);
  auto out =
      testing::run_command({"/usr/bin/wrk", "-t2", "-c" + std::to_string(run.connections),
                            "-d" + std::to_string(run.seconds) + "s", "--timeout", "10s", "-s",
                            script, "http://127.0.0.1:" + std::to_string(target.port())});
  const std::vector<int> pids = target.server_pids();
  const double cpu = cpu_seconds_since(before, pids);
  for (int pid : pids)
    m.peak_rss_mb += peak_rss_mb_of_pid(pid);
  const size_t at = out.output.find("WRK {");
  if (at == std::string::npos)
    return Status::internal("wrk printed no summary: " + out.output.substr(0, 400));
  const json::value v = json::parse(out.output.substr(at + 4, out.output.find('\n', at) - at - 4));
  auto num = [&](const char* k) { return v.at(k).to_number<double>(); };
  m.accepted = static_cast<uint64_t>(num("created"));
  m.refused = static_cast<uint64_t>(num("refused"));
  m.queries = static_cast<uint64_t>(num("queried"));
  m.errors = static_cast<uint64_t>(num("other") + num("errors"));
  m.seconds = num("duration_us") / 1e6;
  const double done = static_cast<double>(m.accepted + m.refused + m.queries);
  if (done == 0 && m.errors == 0)
    return Status::internal("wrk completed no request: " + out.output.substr(0, 800));
  m.throughput_per_s = done / m.seconds;
  m.p50_ms = num("p50_us") / 1000;
  m.p95_ms = num("p95_us") / 1000;
  m.p99_ms = num("p99_us") / 1000;
  m.p999_ms = num("p999_us") / 1000;
  m.cpu_s_per_1k = done > 0 ? cpu / done * 1000 : 0;
  std::string note;
  Status st = Status::ok();
  if (writes(run.kind))
    st = target.check(m.accepted, static_cast<uint64_t>(run.connections), note);
  m.invariants_ok = st.is_ok() && m.errors == 0;
  if (!st.is_ok())
    m.detail = st.message();
  else if (m.errors > 0)
    m.detail = std::to_string(m.errors) + " failed requests (e.g. HTTP " +
               std::to_string(static_cast<int>(num("other_status"))) + ")";
  else
    m.detail = note;
  if (run.pace_per_s > 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "paced: offered %.0f/s, achieved %.0f/s", run.pace_per_s,
                  m.throughput_per_s);
    m.detail = m.detail.empty() ? buf : std::string(buf) + "; " + m.detail;
  }
  return m;
}

}  // namespace orderly::bench
