// The command pipeline: durable PlaceOrder (3 lines, 10k products, 10k users)
// through the single writer, and what bounds it.
//
//   build/bin/orderly-microbench --benchmark_filter='PlaceOrder|Rebuild|WriterState'
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <random>
#include <semaphore>
#include <thread>

#include "benchmarks/two_in_flight.h"
#include "commands/decide.h"
#include "commands/processor.h"
#include "core/ids.h"
#include "eventstore/store.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::eventstore;

namespace {

constexpr int kProducts = 10'000;
constexpr int kUsers = 10'000;

Uuid new_id() {
  return *Uuid::parse(new_uuid_v7());
}

struct Shop {
  testing::TempDir dir;
  std::unique_ptr<EventStore> store;
  std::unique_ptr<CommandProcessor> processor;
  std::vector<Uuid> products, users;

  explicit Shop(SyncMode sync = SyncMode::kAlways) {
    StoreOptions so;
    so.sync = sync;
    store = std::move(EventStore::open(dir.path(), so).value());
    processor = std::move(CommandProcessor::start(*store).value());
    CommandMeta admin;
    admin.actor = new_id();
    admin.role = Role::kAdmin;
    std::vector<std::future<Result<CommandReply>>> done;
    for (int i = 0; i < kProducts; ++i) {
      CreateProduct c;
      c.product_id = new_id();
      c.sku = "SKU-" + std::to_string(i);
      c.name = "Product " + std::to_string(i);
      c.category = "category-" + std::to_string(i % 50);
      c.price_cents = 100 + i;
      c.stock = kMaxStock;
      products.push_back(c.product_id);
      done.push_back(processor->submit(c, admin));
    }
    for (auto& f : done)
      (void)f.get();
    for (int i = 0; i < kUsers; ++i)
      users.push_back(new_id());
  }
  ~Shop() {
    processor->stop();
    (void)store->close();
  }

  // A PlaceOrder with 3 distinct random lines by a random user.
  std::pair<Command, CommandMeta> order(std::mt19937_64& rng) const {
    PlaceOrder c;
    c.order_id = new_id();
    size_t a = rng() % products.size(), b = rng() % products.size(), d = rng() % products.size();
    while (b == a)
      b = rng() % products.size();
    while (d == a || d == b)
      d = rng() % products.size();
    c.items = {{products[a], 1}, {products[b], 2}, {products[d], 1}};
    CommandMeta m;
    m.actor = users[rng() % users.size()];
    return {std::move(c), m};
  }

  // Places `count` orders (order()) with at most `window` in flight;
  // returns once every one is answered.
  void place_orders(int count, std::mt19937_64& rng, int window) {
    std::counting_semaphore<> free(window);
    for (int i = 0; i < count; ++i) {
      auto [c, m] = order(rng);
      free.acquire();
      processor->submit(std::move(c), m, [&](Result<CommandReply>) { free.release(); });
    }
    for (int i = 0; i < window; ++i)
      free.acquire();
  }
};

double g_max_orders_per_s = 0;  // measured by BM_PlaceOrderThroughput, used for the latency run

// Closed loop with a window of in-flight commands: the most durable
// PlaceOrders per second the single writer sustains.
void BM_PlaceOrderThroughput(benchmark::State& state) {
  const int total = static_cast<int>(state.range(0));
  Shop shop;
  std::mt19937_64 rng(1);
  std::vector<std::pair<Command, CommandMeta>> commands;
  commands.reserve(total);
  for (int i = 0; i < total; ++i)
    commands.push_back(shop.order(rng));
  std::counting_semaphore<> window(8192);
  std::atomic<int> failures{0};
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (auto& [c, m] : commands) {
      window.acquire();
      shop.processor->submit(std::move(c), m, [&](Result<CommandReply> r) {
        if (!r.is_ok())
          failures.fetch_add(1);
        window.release();
      });
    }
    for (int i = 0; i < 8192; ++i)
      window.acquire();  // all answered
    for (int i = 0; i < 8192; ++i)
      window.release();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    g_max_orders_per_s = total / secs;
  }
  if (failures.load())
    state.SkipWithError("some orders failed");
  const auto stats = shop.processor->stats();
  state.SetItemsProcessed(static_cast<int64_t>(total) * state.iterations());
  state.counters["orders_per_batch"] =
      stats.batches ? static_cast<double>(stats.accepted) / static_cast<double>(stats.batches) : 0;
  state.counters["events_per_fsync"] =
      static_cast<double>(shop.store->stats().events) /
      static_cast<double>(std::max<uint64_t>(1, shop.store->stats().syncs));
}

// Open loop at a fixed rate (half the measured maximum): latency from submit
// to durable answer.
void BM_PlaceOrderLatencyAtHalfLoad(benchmark::State& state) {
  const char* fixed = std::getenv("ORDERLY_BENCH_RATE");  // orders/s, to compare runs
  const double rate = fixed                    ? std::atof(fixed)
                      : g_max_orders_per_s > 0 ? g_max_orders_per_s / 2
                                               : 50'000;
  const double seconds = 3.0;
  const int total = static_cast<int>(rate * seconds);
  Shop shop;
  std::mt19937_64 rng(2);
  std::vector<std::pair<Command, CommandMeta>> commands;
  for (int i = 0; i < total; ++i)
    commands.push_back(shop.order(rng));
  std::vector<double> latency_ms(total, -1);
  std::atomic<int> answered{0};
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < total; ++i) {
      // Arrivals in 1 ms ticks (clients come in bursts; a finer pacing loop
      // would itself eat a core on this 2-core machine).
      const auto due = start + std::chrono::milliseconds(static_cast<int64_t>(i * 1e3 / rate));
      if (std::chrono::steady_clock::now() < due)
        std::this_thread::sleep_until(due);
      const auto sent = std::chrono::steady_clock::now();
      shop.processor->submit(
          std::move(commands[i].first), commands[i].second, [&, i, sent](Result<CommandReply> r) {
            latency_ms[i] = r.is_ok() ? std::chrono::duration<double, std::milli>(
                                            std::chrono::steady_clock::now() - sent)
                                            .count()
                                      : 1e9;
            answered.fetch_add(1);
          });
    }
    while (answered.load() < total)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::sort(latency_ms.begin(), latency_ms.end());
  auto pct = [&](double p) {
    return latency_ms[std::min<size_t>(latency_ms.size() - 1,
                                       static_cast<size_t>(p * latency_ms.size()))];
  };
  state.counters["rate_per_s"] = rate;
  state.counters["p50_ms"] = pct(0.50);
  state.counters["p99_ms"] = pct(0.99);
  state.counters["p999_ms"] = pct(0.999);
  state.counters["max_ms"] = latency_ms.back();
  const auto ps = shop.processor->stats();
  state.counters["max_decide_ms"] = static_cast<double>(ps.max_decide_us) / 1000.0;
  state.counters["max_write_ms"] = static_cast<double>(ps.max_write_us) / 1000.0;
  state.counters["max_slot_wait_ms"] = static_cast<double>(ps.max_slot_wait_us) / 1000.0;
  state.counters["max_fsync_ms"] =
      static_cast<double>(shop.store->stats().max_sync_micros) / 1000.0;
  state.counters["mean_fsync_ms"] =
      static_cast<double>(shop.store->stats().sync_micros) / 1000.0 /
      static_cast<double>(std::max<uint64_t>(1, shop.store->stats().syncs));
  state.SetItemsProcessed(total);
}

// Creates `n` products straight on a scratch state (no store), for
// benchmarks that need real payloads or a warm state.
std::vector<Uuid> scratch_products(ShopState& s, int n) {
  EventSink sink;
  CommandMeta admin;
  admin.role = Role::kAdmin;
  std::vector<Uuid> products;
  for (int i = 0; i < n; ++i) {
    CreateProduct c;
    c.product_id = new_id();
    c.sku = "S" + std::to_string(i);
    c.name = "Product " + std::to_string(i);
    c.category = "c";
    c.price_cents = 100 + i;
    c.stock = kMaxStock;
    sink.clear();
    (void)decide(s, c, admin, sink);
    apply(s, Aggregate::kProduct, c.product_id, EventType::kProductCreated, sink.payload(0).data());
    products.push_back(c.product_id);
  }
  return products;
}

// The append limit for the same events: OrderPlaced payloads decided once,
// then appended to fresh order streams with no deciding, pipelined like the
// processor (two batches in flight), in batches of the size it forms.
void BM_PlaceOrderRawAppend(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  testing::TempDir dir;
  auto store = std::move(EventStore::open(dir.path()).value());
  ShopState scratch;
  const std::vector<Uuid> products = scratch_products(scratch, 100);
  EventSink sink;
  CommandMeta user;
  user.actor = new_id();
  user.now = now_us();
  for (size_t i = 0; i < batch; ++i) {
    PlaceOrder c;
    c.order_id = new_id();
    c.items = {{products[i % 100], 1}, {products[(i + 1) % 100], 2}, {products[(i + 2) % 100], 1}};
    (void)decide(scratch, c, user, sink);
  }
  // Fresh stream names for every order appended (made before timing).
  constexpr size_t kNames = 1 << 20;
  std::vector<std::string> names;
  names.reserve(kNames);
  for (size_t i = 0; i < kNames; ++i)
    names.push_back("order-" + new_uuid_v7());
  struct Buffers {
    std::vector<NewEvent> events;
    std::vector<StreamWrite> writes;
    std::vector<AppendRequest> requests;
  };
  bench::TwoInFlight<Buffers> in_flight([&](Buffers& b) {
    b.events.resize(batch);
    b.writes.resize(batch);
    b.requests.resize(batch);
  });
  uint64_t n = 0;
  for (auto _ : state) {
    Buffers& b = in_flight.next();
    for (size_t i = 0; i < batch; ++i) {
      b.events[i].type = EventType::kOrderPlaced;
      b.events[i].payload = sink.payload(i);
      b.writes[i] =
          StreamWrite{names[n++ % kNames], ExpectedVersion::any(), std::span(&b.events[i], 1)};
      b.requests[i] = AppendRequest{std::span(&b.writes[i], 1), {}, 0};
    }
    (void)store->submit_batch(b.requests, [&](AppendResults) { in_flight.done(b); });
  }
  in_flight.wait_all();
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.counters["event_bytes"] =
      static_cast<double>(store->stats().bytes) / static_cast<double>(n);
}

// Heap bytes per order held by the writer (ShopState) and by the whole
// engine (ShopState + the store's stream map + idempotency), measured with
// mallinfo2 around 200k placed orders.
void BM_WriterStatePerOrder(benchmark::State& state) {
  constexpr int kOrders = 200'000;
  for (auto _ : state) {
    // Writer state alone: fold OrderPlaced events into a ShopState.
    ShopState s;
    EventSink sink;
    const std::vector<Uuid> products = scratch_products(s, 1000);
    std::mt19937_64 rng(4);
    CommandMeta user;
    user.now = now_us();
    malloc_trim(0);
    const size_t before = mallinfo2().uordblks;
    for (int i = 0; i < kOrders; ++i) {
      PlaceOrder c;
      c.order_id = new_id();
      c.items = {
          {products[rng() % 1000], 1}, {products[rng() % 1000], 1}, {products[rng() % 1000], 1}};
      if (c.items[1].product_id == c.items[0].product_id ||
          c.items[2].product_id == c.items[0].product_id ||
          c.items[2].product_id == c.items[1].product_id) {
        continue;
      }
      user.actor = new_id();
      sink.clear();
      if (decide(s, c, user, sink).is_ok()) {
        apply(s, Aggregate::kOrder, c.order_id, EventType::kOrderPlaced, sink.payload(0).data());
      }
    }
    const size_t after = mallinfo2().uordblks;
    state.counters["writer_bytes_per_order"] =
        static_cast<double>(after - before) / static_cast<double>(s.orders.size());
  }
  {
    // The whole engine: processor + store, sync off (memory, not speed).
    Shop shop(SyncMode::kNone);
    std::mt19937_64 rng(5);
    malloc_trim(0);
    const size_t before = mallinfo2().uordblks;
    shop.place_orders(kOrders, rng, 4096);
    const size_t after = mallinfo2().uordblks;
    state.counters["engine_bytes_per_order"] = static_cast<double>(after - before) / kOrders;
  }
}

// Start-up: fold a log of 1M order events into the writer state.
void BM_RebuildPerMillionEvents(benchmark::State& state) {
  Shop shop(SyncMode::kNone);
  std::mt19937_64 rng(6);
  shop.place_orders(1'000'000 - kProducts, rng, 8192);
  uint64_t events = 0;
  std::vector<Result<ShopState>> kept;  // destroyed after timing: tearing down is not start-up
  kept.reserve(16);
  for (auto _ : state) {
    kept.push_back(rebuild_state(*shop.store, &events));
    if (!kept.back().is_ok())
      state.SkipWithError("rebuild failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(events) * state.iterations());
  state.counters["events"] = static_cast<double>(events);
}

}  // namespace

BENCHMARK(BM_PlaceOrderThroughput)
    ->Arg(300'000)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlaceOrderLatencyAtHalfLoad)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlaceOrderRawAppend)->Arg(4000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WriterStatePerOrder)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RebuildPerMillionEvents)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
