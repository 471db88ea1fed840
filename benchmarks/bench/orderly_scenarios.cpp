#include "benchmarks/bench/orderly_scenarios.h"
#include "tests/support/free_port.h"

#include <unistd.h>

#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "api/engine/engine.h"
#include "benchmarks/bench/orderly_http.h"
#include "benchmarks/bench/sys_orderly.h"
#include "benchmarks/shop_log.h"
#include "benchmarks/ws_probe.h"
#include "commands/processor.h"
#include "core/ids.h"
#include "projections/catalog.h"
#include "projections/orders.h"
#include "projections/registry.h"
#include "projections/runner.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace orderly::bench {

namespace json = boost::json;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

Measurement orderly_measurement(const std::string& scenario, const std::string& mode) {
  Measurement m;
  m.scenario = scenario;
  m.mode = mode;
  m.system = "orderly";
  m.durability = "fsync";
  return m;
}

// One generated shop per run, shared by rebuild and recovery: generating
// millions of events through the commands is the slow part.
struct SharedShop {
  std::string dir;
  ShopLog log;
  uint64_t orders = 0;
  bool keep = false;     // --shop-dir: the user's directory, left in place
  bool rebuilt = false;  // read models written (rebuild ran)
  double rebuild_seconds = 0;
  uint64_t snapshot_bytes = 0;
  bool writer_saved = false;  // the writer snapshot of a clean stop (recovery)
  bool recovered = false;     // recovery has run (and appended to the log)
  ~SharedShop() {             // gigabytes at 10M events: gone with the run
    log.store.reset();
    if (dir.empty() || keep)
      return;
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::remove(dir + ".serve.log", ec);
  }
};

SharedShop& shared_shop(const RunOptions& o) {
  static SharedShop shop;
  if (!shop.dir.empty())
    return shop;
  shop.keep = !o.shop_dir.empty();
  shop.dir = shop.keep ? o.shop_dir : make_temp_dir("orderly-bench-shop");
  const std::string counts = shop.dir + "/bench-shop.txt";  // "events orders" of a kept log
  if (std::FILE* f = shop.keep ? std::fopen(counts.c_str(), "r") : nullptr) {
    unsigned long long events = 0, orders = 0;
    const bool read = std::fscanf(f, "%llu %llu", &events, &orders) == 2;
    std::fclose(f);
    auto store = eventstore::EventStore::open(shop.dir, {});
    if (read && store && (*store)->last_position() == events) {
      shop.log.dir = shop.dir;
      shop.log.store = std::move(*store);
      shop.log.events = events;
      shop.orders = orders;
      std::fprintf(stderr, "  reusing the shop log in %s: %llu events\n", shop.dir.c_str(), events);
      return shop;
    }
    std::fprintf(stderr, "orderly-bench: %s does not hold the log %s describes\n", shop.dir.c_str(),
                 counts.c_str());
    std::exit(2);
  }
  const uint64_t events = o.recovery_events ? o.recovery_events : o.quick ? 300'000 : 10'000'000;
  // About 1.43 events per order in the generated shop.
  const int orders = static_cast<int>(static_cast<double>(events) / 1.433);
  std::fprintf(stderr, "  generating a shop log of ~%llu events through the commands...\n",
               static_cast<unsigned long long>(events));
  shop.log = generate_shop_log(shop.dir, orders);
  shop.orders = shop.log.orders.size();
  std::fprintf(stderr, "  %llu events in %.1f s\n",
               static_cast<unsigned long long>(shop.log.events), shop.log.generate_seconds);
  if (std::FILE* f = shop.keep ? std::fopen(counts.c_str(), "w") : nullptr) {
    std::fprintf(f, "%llu %llu\n", static_cast<unsigned long long>(shop.log.events),
                 static_cast<unsigned long long>(shop.orders));
    std::fclose(f);
  }
  return shop;
}

// What `orderly rebuild --all` does: the log opened read-only (its table
// files mapped), one pass, every model, snapshots saved. The log is at rest,
// as the command line finds it: the generator's store is closed first, so
// no flush or compaction of the log just written runs beside the rebuild.
Status rebuild_all(SharedShop& shop) {
  shop.log.store.reset();
  auto rows = projections::ReadModelStore::open(shop.dir + "/readmodels");
  if (!rows)
    return rows.status();
  eventstore::StoreOptions read_only;
  read_only.read_only = true;
  auto log = eventstore::EventStore::open(shop.dir, read_only);
  if (!log)
    return log.status();
  auto models = projections::all_read_models();
  std::vector<projections::Projection*> raw;
  for (auto& m : models)
    raw.push_back(m.get());
  const auto t0 = Clock::now();
  auto written = projections::rebuild_into(**log, raw, **rows);
  if (!written)
    return written.status();
  shop.snapshot_bytes = 0;
  for (uint64_t n : *written)
    shop.snapshot_bytes += n;
  shop.rebuild_seconds = since(t0);
  shop.rebuilt = true;
  return Status::ok();
}

}  // namespace

Result<Measurement> orderly_rebuild(const RunOptions& o) {
  SharedShop& shop = shared_shop(o);
  if (shop.recovered)
    return Status::invalid_argument("run rebuild before recovery (recovery changes the log)");
  reset_peak_rss_of_pid(getpid());  // the rebuild's own peak, not the generator's
  ORDERLY_RETURN_IF_ERROR(rebuild_all(shop));
  Measurement m = orderly_measurement("rebuild", "in-process");
  m.variant = "all read models, snapshots saved";
  m.seconds = shop.rebuild_seconds;
  m.throughput_per_s = static_cast<double>(shop.log.events) / shop.rebuild_seconds;
  m.peak_rss_mb = peak_rss_mb_of_pid(getpid());
  m.accepted = shop.log.events;
  // The rebuilt orders model holds every generated order.
  projections::OrdersReadModel orders;
  auto rows = projections::ReadModelStore::open(shop.dir + "/readmodels");
  if (!rows)
    return rows.status();
  auto loaded = projections::load_model(**rows, orders);
  const size_t stored = orders.list("", "", 1, 1).total;
  m.invariants_ok = loaded.is_ok() && *loaded == shop.log.events && stored == shop.orders;
  m.detail = std::to_string(shop.log.events) + " events, " +
             std::to_string(shop.snapshot_bytes / 1'000'000) + " MB of snapshots";
  if (!m.invariants_ok)
    m.detail = "the rebuilt orders model holds " + std::to_string(stored) + " of " +
               std::to_string(shop.orders) + " orders";
  std::fprintf(stderr, "  orderly     rebuild: %.0f events/s (%.1f s)\n", m.throughput_per_s,
               m.seconds);
  return m;
}

Result<std::vector<Measurement>> orderly_recovery(const RunOptions& o) {
  SharedShop& shop = shared_shop(o);
  if (!shop.rebuilt)
    ORDERLY_RETURN_IF_ERROR(rebuild_all(shop));
  // The engine that wrote the log stopped cleanly: its writer snapshot is
  // saved (not timed: it is the previous run's work).
  if (!shop.writer_saved) {
    shop.log.store.reset();  // (the engine opens it)
    api::engine::EngineOptions writer_only;
    writer_only.data_dir = shop.dir;
    writer_only.read_models = false;
    auto engine = api::engine::Engine::open(writer_only);
    if (!engine)
      return engine.status();
    (*engine)->stop();
    if (!(*engine)->processor().stats().snapshot_note.empty())
      return Status::internal((*engine)->processor().stats().snapshot_note);
    ORDERLY_RETURN_IF_ERROR((*engine)->close());
    shop.writer_saved = true;
  }
  shop.log.store.reset();  // closed: a restart
  shop.recovered = true;
  std::vector<Measurement> out;
  const double events = static_cast<double>(shop.log.events);
  {
    Measurement m = orderly_measurement("recovery", "in-process");
    m.variant = "writer state + read models";
    reset_peak_rss_of_pid(getpid());
    const auto t0 = Clock::now();
    // As `orderly serve` does (api/engine): the models load while the writer
    // loads its state.
    api::engine::EngineOptions eo;
    eo.data_dir = shop.dir;
    auto engine = api::engine::Engine::open(eo);
    if (!engine)
      return engine.status();
    const double opened = (*engine)->timings().stores_opened_s;
    const double writer_ready = (*engine)->timings().writer_ready_s;
    const double models_ready = (*engine)->timings().read_models_ready_s;
    projections::ProjectionRunner& runner = (*engine)->read_models();
    bool ready = false;
    while (!ready && since(t0) < 600) {
      ready = true;
      for (const auto& s : runner.status())
        ready &= s.lag == 0;
      if (!ready)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    m.seconds = since(t0);
    m.throughput_per_s = events / m.seconds;  // events recovered per second
    m.p50_ms = m.p99_ms = m.p95_ms = m.p999_ms = m.seconds * 1000;
    m.peak_rss_mb = peak_rss_mb_of_pid(getpid());
    m.invariants_ok = ready && (*engine)->store().last_position() == shop.log.events;
    m.detail = std::to_string(shop.log.events) + " events, ready in " +
               std::to_string(m.seconds).substr(0, 5) + " s";
    // Where the time went: the writer's snapshot and fold, each model's load.
    const auto ws = (*engine)->processor().stats();
    std::string parts = "stores opened at " + std::to_string(opened).substr(0, 5) +
                        " s, writer ready at " + std::to_string(writer_ready).substr(0, 5) +
                        " s, models at " + std::to_string(models_ready).substr(0, 5) +
                        " s; writer snapshot " +
                        std::to_string(ws.snapshot_load_seconds).substr(0, 5) + " s + " +
                        std::to_string(ws.rebuilt_events) + " events folded";
    for (const auto& s : runner.status())
      parts += ", " + s.name + " " + std::to_string(s.load_seconds).substr(0, 5) + " s";
    (*engine)->stop();
    std::fprintf(stderr, "  orderly     recovery in-process: %.2f s to ready (%s)\n", m.seconds,
                 parts.c_str());
    out.push_back(m);
  }
  if (o.http) {
    Measurement m = orderly_measurement("recovery", "http");
    m.variant = "orderly serve until /ready";
    const auto t0 = Clock::now();
    auto server = ServeProcess::start(o.orderly_binary, shop.dir, {"--no-demo"}, false);
    if (!server)
      return server.status();
    testing::HttpClient c((*server)->port());
    int status = 0;
    while (status != 200 && since(t0) < 600) {
      status = c.request("GET", "/ready").status;
      if (status != 200)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    m.seconds = since(t0);
    m.throughput_per_s = events / m.seconds;
    m.p50_ms = m.p99_ms = m.p95_ms = m.p999_ms = m.seconds * 1000;
    m.peak_rss_mb = peak_rss_mb_of_pid((*server)->pid());
    auto health = c.request("GET", "/health").json();
    m.invariants_ok =
        status == 200 && health.at("log_position").to_number<uint64_t>() == shop.log.events;
    m.detail = std::to_string(shop.log.events) + " events";
    (*server)->stop();
    std::fprintf(stderr, "  orderly     recovery as a process: %.2f s to /ready\n", m.seconds);
    out.push_back(m);
  }
  return out;
}

namespace {

// In process: PlaceOrder through the writer (fsync on), each order's event
// pushed by the WebSocket hub to a subscribed sink (what a connection would
// write to its socket), at a steady rate. Latency: acknowledgement -> push.
Result<Measurement> orderly_fanout_in_process(const RunOptions& o) {
  Measurement m = orderly_measurement("fanout", "in-process");
  const int rate = 5000, seconds = o.quick ? 2 : 6;
  m.variant = "order acknowledged -> WebSocket hub push, " + std::to_string(rate) + "/s";
  const ScratchDir scratch("orderly-bench-fanout-in-process");
  if (!scratch.ok())
    return Status::io_error("cannot make a temporary directory");
  Acks acks;  // outlives the writer, whose replies write it
  auto store = eventstore::EventStore::open(scratch.path() + "/data", {});
  if (!store)
    return store.status();
  auto writer = commands::CommandProcessor::start(**store);
  if (!writer)
    return writer.status();
  const commands::CreateProduct cup = create_cup(**writer);
  commands::CommandMeta user;
  user.actor = *Uuid::parse(new_uuid_v7());
  api::notify::push::WsHub hub(**store, [](const Uuid&) { return std::nullopt; });
  auto sink = std::make_shared<RecordingSink>();
  auto unsubscribe = hub.subscribe(user.actor, false, sink);
  const auto t0 = Clock::now();
  place_orders_at_rate(**writer, cup, user, rate, seconds, acks);
  m.seconds = since(t0);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (sink->count() < acks.at.size() && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  unsubscribe();
  Latencies lat;
  size_t missing = 0;
  {
    std::lock_guard lock_acks(acks.mu);
    std::lock_guard lock(sink->mu);
    for (const auto& [position, at] : acks.at) {
      auto it = sink->arrived.find(position);
      if (it == sink->arrived.end()) {
        ++missing;
        continue;
      }
      lat.add(std::max(Clock::duration::zero(), it->second - at));
    }
  }
  m.accepted = acks.at.size();
  m.errors = acks.failed.load();
  m.throughput_per_s = static_cast<double>(acks.at.size()) / m.seconds;
  m.p50_ms = lat.percentile_ms(50);
  m.p95_ms = lat.percentile_ms(95);
  m.p99_ms = lat.percentile_ms(99);
  m.p999_ms = lat.percentile_ms(99.9);
  m.peak_rss_mb = peak_rss_mb_of_pid(getpid());
  m.invariants_ok = missing == 0 && m.errors == 0;
  m.detail = missing ? std::to_string(missing) + " orders never pushed"
                     : std::to_string(acks.at.size()) + " orders, each pushed once";
  (*writer)->stop();
  std::fprintf(stderr, "  orderly     fanout in-process: p50 %.3f ms p99 %.3f ms\n", m.p50_ms,
               m.p99_ms);
  return m;
}

}  // namespace

namespace {
Result<Measurement> orderly_fanout_http(const RunOptions& o);  // below
}  // namespace

Result<std::vector<Measurement>> orderly_fanout(const RunOptions& o) {
  std::vector<Measurement> out;
  if (o.in_process) {
    auto in_process = orderly_fanout_in_process(o);
    if (!in_process)
      return in_process.status();
    out.push_back(*in_process);
  }
  if (!o.http)
    return out;
  auto over_http = orderly_fanout_http(o);
  if (!over_http)
    return over_http.status();
  out.push_back(*over_http);
  return out;
}

namespace {

Result<Measurement> orderly_fanout_http(const RunOptions& o) {
  Measurement m = orderly_measurement("fanout", "http");
  m.variant = "order 201 -> WebSocket message, via NATS";
  const ScratchDir scratch("orderly-bench-fanout");
  if (!scratch.ok())
    return Status::io_error("cannot make a temporary directory");
  const std::string& dir = scratch.path();
  const uint16_t nats_port = testing::free_port();
  testing::ChildProcess nats({"/usr/sbin/nats-server", "-js", "-a", "127.0.0.1", "-p",
                              std::to_string(nats_port), "-sd", dir + "/nats", "-l",
                              dir + "/nats.log"});
  if (!testing::wait_for_listener(nats_port, std::chrono::seconds(30)))
    return Status::internal("nats-server did not start");
  auto server =
      ServeProcess::start(o.orderly_binary, dir + "/data",
                          {"--nats-url", "nats://127.0.0.1:" + std::to_string(nats_port),
                           "--rate-limit-ip", "0", "--rate-limit-user", "0",
                           // one customer, thousands of unpaid orders (issue 19)
                           "--hold-max-units", "0", "--hold-max-orders", "0", "--hold-max-cents",
                           "0", "--email-recipient-rate", "0", "--email-recipient-daily", "0"});
  if (!server)
    return server.status();
  const uint16_t port = (*server)->port();
  testing::HttpClient c(port);
  auto reg = c.send("POST", "/api/auth/register", "",
                    R"({"username":"fan","email":"fan@shop.test","password":"password-of-fan"})");
  if (reg.status != 201)
    return Status::internal("registering the user failed");
  const std::string token = json::value_to<std::string>(reg.json().at("access_token"));
  const std::string product = json::value_to<std::string>(
      c.request("GET", "/api/products?per_page=1").json().at("items").at(0).at("id"));
  auto admin = (*server)->admin_token();
  if (!admin)
    return admin.status();
  (void)c.send("PUT", "/api/products/" + product + "/stock", *admin, R"({"stock":100000000})");
  const int rate = 500, seconds = o.quick ? 3 : 8;
  std::mutex mu;
  std::map<std::string, Clock::time_point> acked, arrived, sent_at;
  std::atomic<bool> reading{true};
  testing::WsClient ws(port, "/ws/notifications?access_token=" + token);
  if (ws.status() != 101)
    return Status::internal("the WebSocket upgrade failed");
  std::thread reader([&] {
    while (reading.load()) {
      auto msg = ws.read(std::chrono::milliseconds(500));
      if (!msg)
        continue;
      const auto now = Clock::now();
      boost::system::error_code ec;
      const json::value v = json::parse(*msg, ec);
      const auto* type = !ec && v.is_object() ? v.as_object().if_contains("type") : nullptr;
      const auto* order = !ec && v.is_object() ? v.as_object().if_contains("order_id") : nullptr;
      if (!type || *type != "order.created" || !order || !order->is_string())
        continue;
      std::lock_guard lock(mu);
      arrived[std::string(order->as_string())] = now;
    }
  });
  // Four paced senders (an fsync'd order takes a few ms over HTTP).
  std::atomic<uint64_t> failed{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> senders;
  for (int s = 0; s < 4; ++s) {
    senders.emplace_back([&, s] {
      testing::HttpClient h(port);
      const int mine = rate * seconds / 4;
      for (int i = 0; i < mine; ++i) {
        std::this_thread::sleep_until(
            t0 + std::chrono::microseconds((1'000'000LL * (i * 4 + s)) / rate));
        const auto sent = Clock::now();
        auto r = h.send("POST", "/api/orders", token,
                        R"({"items":[{"product_id":")" + product + R"(","quantity":1}]})");
        const auto now = Clock::now();
        // 202: stored, the read model not there yet (the answer holds the id).
        if (r.status != 201 && r.status != 202) {
          failed.fetch_add(1);
          continue;
        }
        const json::value answer = r.json();
        const std::string id = json::value_to<std::string>(
            r.status == 201 ? answer.at("order").at("id") : answer.at("id"));
        std::lock_guard lock(mu);
        acked[id] = now;
        sent_at[id] = sent;
      }
    });
  }
  for (auto& t : senders)
    t.join();
  m.seconds = since(t0);
  // Late messages: up to 20 s.
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    {
      std::lock_guard lock(mu);
      if (arrived.size() >= acked.size())
        break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  reading.store(false);
  reader.join();
  Latencies lat, end_to_end;
  size_t missing = 0;
  for (const auto& [id, at] : acked) {
    auto it = arrived.find(id);
    if (it == arrived.end()) {
      ++missing;
      continue;
    }
    // A push can beat the HTTP answer to the client: that counts as 0.
    lat.add(std::max(Clock::duration::zero(), it->second - at));
    end_to_end.add(it->second - sent_at[id]);
  }
  m.accepted = acked.size();
  m.errors = failed.load();
  m.throughput_per_s = static_cast<double>(acked.size()) / m.seconds;
  m.p50_ms = lat.percentile_ms(50);
  m.p95_ms = lat.percentile_ms(95);
  m.p99_ms = lat.percentile_ms(99);
  m.p999_ms = lat.percentile_ms(99.9);
  m.peak_rss_mb = peak_rss_mb_of_pid((*server)->pid());
  m.invariants_ok = missing == 0 && m.errors == 0;
  m.detail = missing ? std::to_string(missing) + " orders never pushed"
                     : std::to_string(rate) + " orders/s; POST sent -> message p50 " +
                           std::to_string(end_to_end.percentile_ms(50)).substr(0, 5) + " ms, p99 " +
                           std::to_string(end_to_end.percentile_ms(99)).substr(0, 5) + " ms";
  (*server)->stop();
  nats.terminate();
  nats.wait();
  std::fprintf(stderr, "  orderly     fanout over HTTP: p50 %.2f ms p99 %.2f ms\n", m.p50_ms,
               m.p99_ms);
  return m;
}

}  // namespace

}  // namespace orderly::bench
