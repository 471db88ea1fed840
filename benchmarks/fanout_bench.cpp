// Fan-out to JetStream: the engine's log follower (NatsFanout) against the
// ceiling on this machine, a bare NATS.c async publisher sending the same
// messages (same subjects, headers and payloads, same window) to the same
// nats-server, which the benchmark starts on a free loopback port.
//
//   build/bin/orderly-microbench --benchmark_filter=Fanout
// ORDERLY_BENCH_FANOUT_ORDERS sets the orders in the log (default 100k).
#include <benchmark/benchmark.h>
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <semaphore>
#include <thread>
#include <unordered_map>

#include "api/fanout/nats_fanout.h"
#include "api/ws_hub.h"
#include "commands/processor.h"
#include "core/clock.h"
#include "core/ids.h"
#include "tests/support/free_port.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace orderly;

namespace {

// One product with unlimited stock that the benchmarks order.
commands::CreateProduct create_cup(commands::CommandProcessor& writer) {
  commands::CommandMeta admin;
  admin.role = commands::Role::kAdmin;
  commands::CreateProduct cup;
  cup.product_id = *Uuid::parse(new_uuid_v7());
  cup.sku = "CUP";
  cup.name = "Espresso cup";
  cup.category = "kitchen";
  cup.price_cents = 1250;
  cup.stock = commands::kMaxStock;
  (void)writer.execute(cup, admin);
  return cup;
}

struct FanoutWorld {
  testing::TempDir dir;
  uint16_t port = testing::free_port();
  std::unique_ptr<testing::ChildProcess> nats;
  std::unique_ptr<eventstore::EventStore> store;
  uint64_t events = 0;
  int run = 0;

  FanoutWorld() {
    nats = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{"/usr/sbin/nats-server", "-js", "-a", "127.0.0.1", "-p",
                                 std::to_string(port), "-sd", dir.sub("nats")});
    testing::wait_for_listener(port, std::chrono::seconds(30));
    eventstore::StoreOptions so;
    so.sync = eventstore::SyncMode::kNone;
    store = std::move(eventstore::EventStore::open(dir.sub("data"), so).value());
    auto writer = std::move(commands::CommandProcessor::start(*store).value());
    const commands::CreateProduct cup = create_cup(*writer);
    const char* env = std::getenv("ORDERLY_BENCH_FANOUT_ORDERS");
    const int n = env ? std::atoi(env) : 100'000;
    std::counting_semaphore<> window(4096);
    commands::CommandMeta user;
    user.actor = *Uuid::parse(new_uuid_v7());
    for (int i = 0; i < n; ++i) {
      window.acquire();
      writer->submit(
          commands::PlaceOrder{*Uuid::parse(new_uuid_v7()), {{cup.product_id, 1}}, "", 900'000'000},
          user, [&](Result<commands::CommandReply>) { window.release(); });
    }
    for (int i = 0; i < 4096; ++i)
      window.acquire();
    writer->stop();
    events = store->last_position();
  }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port); }
};

FanoutWorld& world() {
  static FanoutWorld w;
  return w;
}

void BM_FanoutJetStream(benchmark::State& state) {
  FanoutWorld& w = world();
  for (auto _ : state) {
    api::NatsFanoutOptions o;
    o.url = w.url();
    o.stream = "ORDERLY" + std::to_string(++w.run);  // a fresh stream each run
    o.subject_prefix = "run" + std::to_string(w.run) + ".events";
    o.checkpoint = "bench-" + std::to_string(w.run);
    api::NatsFanout fanout(*w.store, *w.store, o);
    fanout.start();
    while (fanout.stats().published_position < w.events)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    state.PauseTiming();
    fanout.stop();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(w.events) * state.iterations());
  state.counters["events"] = static_cast<double>(w.events);
}

// The same messages through NATS.c alone: envelopes read into memory first.
void BM_FanoutBareNatsPublisher(benchmark::State& state) {
  FanoutWorld& w = world();
  struct Message {
    std::string subject, position, type, stream, time, payload;
  };
  std::vector<Message> messages;
  (void)w.store->scan({}, [&](const EventView& ev) {
    const auto bytes = ev.bytes();
    messages.push_back({"", std::to_string(ev.position()), std::string(ev.type_name()),
                        std::string(ev.stream()), format_rfc3339(ev.time_us()),
                        std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size())});
    return true;
  });
  for (auto _ : state) {
    state.PauseTiming();
    const std::string prefix = "bare" + std::to_string(++w.run) + ".events";
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    natsConnection_ConnectTo(&nc, w.url().c_str());
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = 4096;
    natsConnection_JetStream(&js, nc, &jo);
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const std::string name = "BARE" + std::to_string(w.run), subjects = prefix + ".>";
    const char* list[] = {subjects.c_str()};
    cfg.Name = name.c_str();
    cfg.Subjects = list;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Duplicates = int64_t{10} * 60 * 1'000'000'000;
    jsStreamInfo* info = nullptr;
    js_AddStream(&info, js, &cfg, nullptr, nullptr);
    if (info)
      jsStreamInfo_Destroy(info);
    for (auto& m : messages)
      m.subject = prefix + "." + m.type;
    state.ResumeTiming();
    for (const auto& m : messages) {
      natsMsg* msg = nullptr;
      natsMsg_Create(&msg, m.subject.c_str(), nullptr, m.payload.data(),
                     static_cast<int>(m.payload.size()));
      natsMsgHeader_Set(msg, "Nats-Msg-Id", m.position.c_str());
      natsMsgHeader_Set(msg, "Orderly-Position", m.position.c_str());
      natsMsgHeader_Set(msg, "Orderly-Type", m.type.c_str());
      natsMsgHeader_Set(msg, "Orderly-Stream", m.stream.c_str());
      natsMsgHeader_Set(msg, "Orderly-Time", m.time.c_str());
      if (js_PublishMsgAsync(js, &msg, nullptr) != NATS_OK)
        natsMsg_Destroy(msg);
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 60'000;
    if (js_PublishAsyncComplete(js, &po) != NATS_OK)
      state.SkipWithError("the bare publisher's acks did not all come");
    state.PauseTiming();
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(messages.size()) * state.iterations());
  state.counters["events"] = static_cast<double>(messages.size());
}

}  // namespace

BENCHMARK(BM_FanoutBareNatsPublisher)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FanoutJetStream)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

// End to end: PlaceOrder acknowledged -> its message on a /ws/notifications
// subscriber (the hub's queue, as the WebSocket session would write it), at
// a fixed offered rate: range(0) commands per second for 3 s.
namespace {

class RecordingSink final : public api::WsSink {
 public:
  void send(std::string text) override {
    const auto at = std::chrono::steady_clock::now();
    const size_t p = text.find("\"position\":");
    if (p == std::string::npos)
      return;
    const uint64_t position = std::strtoull(text.c_str() + p + 11, nullptr, 10);
    std::lock_guard lock(mu);
    arrived[position] = at;
  }
  void close(uint16_t, std::string) override {}
  std::mutex mu;
  std::unordered_map<uint64_t, std::chrono::steady_clock::time_point> arrived;
};

void BM_CommandToWebSocket(benchmark::State& state) {
  const int rate = static_cast<int>(state.range(0));
  testing::TempDir dir;
  auto store = std::move(eventstore::EventStore::open(dir.sub("data")).value());  // fsync on
  auto writer = std::move(commands::CommandProcessor::start(*store).value());
  const commands::CreateProduct cup = create_cup(*writer);
  commands::CommandMeta user;
  user.actor = *Uuid::parse(new_uuid_v7());
  api::WsHub hub(*store, [](const Uuid&) { return std::nullopt; });
  auto sink = std::make_shared<RecordingSink>();
  auto unsubscribe = hub.subscribe(user.actor, false, sink);
  std::mutex mu;
  std::unordered_map<uint64_t, std::chrono::steady_clock::time_point> acked;
  std::atomic<int> outstanding{0};
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const int total = rate * 3;
    for (int i = 0; i < total; ++i) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * i / rate));
      ++outstanding;
      writer->submit(
          commands::PlaceOrder{*Uuid::parse(new_uuid_v7()), {{cup.product_id, 1}}, "", 900'000'000},
          user, [&](Result<commands::CommandReply> r) {
            if (r) {
              std::lock_guard lock(mu);
              acked[r->last_position] = std::chrono::steady_clock::now();
            }
            --outstanding;
          });
    }
    while (outstanding.load() > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const uint64_t last = store->last_position();
    while (true) {
      std::lock_guard lock(sink->mu);
      if (sink->arrived.count(last))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  unsubscribe();
  std::vector<double> ms;
  {
    std::lock_guard a(mu);
    std::lock_guard b(sink->mu);
    for (const auto& [position, at] : acked) {
      auto it = sink->arrived.find(position);
      if (it != sink->arrived.end())
        ms.push_back(
            std::max(0.0, std::chrono::duration<double, std::milli>(it->second - at).count()));
    }
  }
  std::sort(ms.begin(), ms.end());
  if (ms.empty()) {
    state.SkipWithError("no message arrived");
    return;
  }
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[ms.size() * 99 / 100];
  state.counters["max_ms"] = ms.back();
  state.counters["messages"] = static_cast<double>(ms.size());
  state.SetItemsProcessed(static_cast<int64_t>(ms.size()));
  writer->stop();
}

}  // namespace

BENCHMARK(BM_CommandToWebSocket)
    ->Arg(1000)
    ->Arg(10000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
