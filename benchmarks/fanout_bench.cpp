// Fan-out to JetStream: the engine's log follower (NatsFanout) against the
// ceiling on this machine, a bare NATS.c async publisher sending the same
// messages (same subjects, headers and payloads, same window) to the same
// nats-server, which the benchmark starts on a free loopback port.
//
//   build/bin/orderly-microbench --benchmark_filter=Fanout
// ORDERLY_BENCH_FANOUT_ORDERS sets the orders in the log (default 100k).
//
// Then command acknowledged -> WebSocket message latency at a fixed rate:
// in process up to the hub's sink (BM_CommandToWebSocket) and through
// NATS and a real socket (BM_CommandToWebSocketOverNats), each with its
// own store (and nats-server):
//   build/bin/orderly-microbench --benchmark_filter=CommandToWebSocket
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
#include "api/http/server.h"
#include "api/notify/push/ws_hub.h"
#include "benchmarks/ws_probe.h"
#include "commands/processor.h"
#include "core/clock.h"
#include "core/ids.h"
#include "tests/support/free_port.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using bench::Acks;
using bench::create_cup;
using bench::place_orders_at_rate;
using bench::RecordingSink;

namespace {

// A nats-server with JetStream on a free loopback port, its storage and log
// in a temporary directory (the log keeps its banner out of the benchmark's
// output); killed by the ChildProcess destructor, before the directory goes.
struct NatsServer {
  testing::TempDir dir;
  uint16_t port = testing::free_port();
  testing::ChildProcess process{{"/usr/sbin/nats-server", "-js", "-a", "127.0.0.1", "-p",
                                 std::to_string(port), "-sd", dir.sub("nats"), "-l",
                                 dir.sub("nats-server.log")}};
  bool listening = testing::wait_for_listener(port, std::chrono::seconds(30));

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port); }
};

struct FanoutWorld {
  NatsServer nats;
  testing::TempDir dir;
  std::unique_ptr<eventstore::EventStore> store;
  uint64_t events = 0;
  int run = 0;

  FanoutWorld() {
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
  std::string url() const { return nats.url(); }
};

FanoutWorld& world() {
  static FanoutWorld w;
  return w;
}

void BM_FanoutJetStream(benchmark::State& state) {
  FanoutWorld& w = world();
  for (auto _ : state) {
    api::fanout::NatsFanoutOptions o;
    o.url = w.url();
    o.stream = "ORDERLY" + std::to_string(++w.run);  // a fresh stream each run
    o.subject_prefix = "run" + std::to_string(w.run) + ".events";
    o.checkpoint = "bench-" + std::to_string(w.run);
    api::fanout::NatsFanout fanout(*w.store, *w.store, o);
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

using TimePoint = std::chrono::steady_clock::time_point;

// Acknowledgement -> arrival per position, as p50/p99/max counters (a
// message that arrived before its reply counts as 0), named with `prefix`;
// without one also messages and items. Returns the number of acknowledged
// commands whose message never arrived.
size_t report_latencies(benchmark::State& state,
                        const std::unordered_map<uint64_t, TimePoint>& acked,
                        const std::unordered_map<uint64_t, TimePoint>& arrived,
                        const std::string& prefix = "") {
  std::vector<double> ms;
  size_t missing = 0;
  for (const auto& [position, at] : acked) {
    auto it = arrived.find(position);
    if (it == arrived.end()) {
      ++missing;
      continue;
    }
    ms.push_back(std::max(0.0, std::chrono::duration<double, std::milli>(it->second - at).count()));
  }
  std::sort(ms.begin(), ms.end());
  if (ms.empty()) {
    state.SkipWithError("no message arrived");
    return missing;
  }
  state.counters[prefix + "p50_ms"] = ms[ms.size() / 2];
  state.counters[prefix + "p99_ms"] = ms[ms.size() * 99 / 100];
  if (!prefix.empty())
    return missing;
  state.counters["max_ms"] = ms.back();
  state.counters["messages"] = static_cast<double>(ms.size());
  state.SetItemsProcessed(static_cast<int64_t>(ms.size()));
  return missing;
}

void BM_CommandToWebSocket(benchmark::State& state) {
  const int rate = static_cast<int>(state.range(0));
  testing::TempDir dir;
  auto store = std::move(eventstore::EventStore::open(dir.sub("data")).value());  // fsync on
  auto writer = std::move(commands::CommandProcessor::start(*store).value());
  const commands::CreateProduct cup = create_cup(*writer);
  commands::CommandMeta user;
  user.actor = *Uuid::parse(new_uuid_v7());
  api::notify::push::WsHub hub(*store, [](const Uuid&) { return std::nullopt; });
  auto sink = std::make_shared<RecordingSink>();
  auto unsubscribe = hub.subscribe(user.actor, false, sink);
  Acks acks;
  for (auto _ : state) {
    place_orders_at_rate(*writer, cup, user, rate, 3, acks);
    const uint64_t last = store->last_position();
    while (true) {
      {
        std::lock_guard lock(sink->mu);
        if (sink->arrived.count(last))
          break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  unsubscribe();
  {
    std::lock_guard a(acks.mu);
    std::lock_guard b(sink->mu);
    report_latencies(state, acks.at, sink->arrived);
  }
  writer->stop();
}

}  // namespace

BENCHMARK(BM_CommandToWebSocket)
    ->Arg(1000)
    ->Arg(10000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The same path as a client sees it: PlaceOrder acknowledged -> the event
// in the log (fsync on) -> NatsFanout publishes it to a real nats-server
// (JetStream, file storage) -> the WsHub's ordered consumer receives it ->
// the HttpServer's /ws/notifications session writes it to a TCP socket ->
// a WebSocket client on another thread reads it. Offered rate range(0)
// commands per second for 3 s; nats-server runs on the same cores.
//
// hub_p50_ms/hub_p99_ms: the same commands up to the hub (a recording sink
// subscribed in process beside the socket), to tell NATS from the socket.
// The session's queue is the API's (256 messages; a client that falls
// further behind is closed with 1008 and the run fails);
// ORDERLY_BENCH_WS_QUEUE sets another bound, to measure past it.
namespace {

// Server and fan-out first, everything declared in the order it must
// outlive the next: leaving the function (also on an error) stops the
// reader, the client, the HTTP server, the hub, the fan-out, the writer,
// the store and nats-server, in that order.
void BM_CommandToWebSocketOverNats(benchmark::State& state) {
  const int rate = static_cast<int>(state.range(0));
  NatsServer nats;
  if (!nats.listening) {
    state.SkipWithError("nats-server did not start");
    return;
  }
  testing::TempDir dir;
  Acks acks;  // outlives the writer, whose replies write it
  auto store = std::move(eventstore::EventStore::open(dir.sub("data")).value());  // fsync on
  auto writer = std::move(commands::CommandProcessor::start(*store).value());
  const commands::CreateProduct cup = create_cup(*writer);
  commands::CommandMeta user;
  user.actor = *Uuid::parse(new_uuid_v7());

  api::fanout::NatsFanoutOptions fo;  // the defaults `orderly serve --nats-url` uses
  fo.url = nats.url();
  api::fanout::NatsFanout fanout(*store, *store, fo);
  fanout.start();
  // The hub's ordered consumer needs the stream, which the fan-out creates:
  // wait until it has published the product.
  const auto setup_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (fanout.stats().published_position < store->last_position() &&
         std::chrono::steady_clock::now() < setup_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (fanout.stats().published_position < store->last_position()) {
    state.SkipWithError("the fan-out did not reach NATS");
    return;
  }
  auto hub = std::make_unique<api::notify::push::WsHub>(
      *store, [](const Uuid&) { return std::nullopt; }, nats.url());
  if (!hub->from_nats()) {
    state.SkipWithError("the hub could not subscribe to the JetStream stream");
    return;
  }

  // The API's WebSocket endpoint without its auth: every upgrade is allowed
  // and subscribed for the one benchmark user (the token check is not what
  // is measured here). Plain requests get 404. Same queue bound as the API
  // unless ORDERLY_BENCH_WS_QUEUE says otherwise.
  auto at_hub = std::make_shared<RecordingSink>();
  auto unsubscribe_at_hub = hub->subscribe(user.actor, false, at_hub);
  api::http::WsEndpoint endpoint;
  endpoint.path = "/ws/notifications";
  if (const char* queue = std::getenv("ORDERLY_BENCH_WS_QUEUE"))
    endpoint.max_queued = std::strtoull(queue, nullptr, 10);
  endpoint.check = [](const api::http::Request&) -> std::optional<api::http::Response> {
    return std::nullopt;
  };
  endpoint.open = [&hub, &user](const api::http::Request&,
                                std::shared_ptr<api::http::WsSink> sink) {
    return hub->subscribe(user.actor, false, std::move(sink));
  };
  api::http::ServerOptions so;
  so.address = "127.0.0.1:0";
  auto started = api::http::HttpServer::start(
      so,
      [](api::http::Request, api::http::Respond respond) {
        api::http::Response r;
        r.status = 404;
        r.content_type = "text/plain";
        r.body = "not found";
        respond(std::move(r));
      },
      [](int status, std::string_view, std::string_view detail) {
        api::http::Response r;
        r.status = status;
        r.content_type = "text/plain";
        r.body = std::string(detail);
        return r;
      },
      {endpoint});
  if (!started) {
    state.SkipWithError(("the HTTP server did not start: " + started.status().to_string()).c_str());
    return;
  }
  std::unique_ptr<api::http::HttpServer> server = std::move(*started);

  // The client: a real WebSocket over TCP, read on its own thread; each
  // message's arrival time by its "position" (the same bookkeeping as the
  // in-process benchmark's sink). Its socket has a 30 s deadline from the
  // connect (tests/support/http_client.cpp), so it connects just before
  // the run and the wait for late messages below stays within it.
  auto client = std::make_unique<testing::WsClient>(server->port(), "/ws/notifications");
  if (client->status() != 101) {
    state.SkipWithError(
        ("the WebSocket upgrade answered " + std::to_string(client->status())).c_str());
    return;
  }
  RecordingSink arrivals;
  std::atomic<int> close_code{0};
  std::atomic<bool> connection_lost{false};
  std::jthread reader([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      const auto asked = std::chrono::steady_clock::now();
      if (auto m = client->read(std::chrono::milliseconds(250))) {
        arrivals.send(std::move(*m));
        continue;
      }
      // A timeout returns after the 250 ms; a closed or failed connection
      // returns at once.
      if (client->close_code() != 0 ||
          std::chrono::steady_clock::now() - asked < std::chrono::milliseconds(200)) {
        close_code.store(client->close_code());
        connection_lost.store(true);
        return;
      }
    }
  });

  size_t expected = 0;
  for (auto _ : state) {
    place_orders_at_rate(*writer, cup, user, rate, 3, acks);
    {
      std::lock_guard lock(acks.mu);
      expected = acks.at.size();
    }
    // Messages come in log order; wait (bounded) until the last one is in.
    const uint64_t last = store->last_position();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline && !connection_lost.load()) {
      {
        std::lock_guard lock(arrivals.mu);
        if (arrivals.arrived.size() >= expected && arrivals.arrived.count(last))
          break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // Stop everything before counting: reader, client, server, hub, fan-out, writer.
  reader.request_stop();
  reader.join();
  client.reset();
  unsubscribe_at_hub();
  hub->close_all();  // as orderly serve shuts down
  server->stop(std::chrono::milliseconds(1000));
  server.reset();
  hub.reset();
  fanout.stop();
  writer->stop();

  size_t missing = 0;
  {
    std::lock_guard a(acks.mu);
    std::lock_guard b(arrivals.mu);
    std::lock_guard c(at_hub->mu);
    missing = report_latencies(state, acks.at, arrivals.arrived);
    if (!state.error_occurred())
      report_latencies(state, acks.at, at_hub->arrived, "hub_");
  }
  if (state.error_occurred()) {
    return;
  } else if (acks.failed.load() > 0) {
    state.SkipWithError((std::to_string(acks.failed.load()) + " commands failed").c_str());
  } else if (missing > 0) {
    std::string why = std::to_string(missing) + " of " + std::to_string(expected) +
                      " messages missing after 20 s";
    if (connection_lost.load())
      why += " (the WebSocket connection ended, close code " + std::to_string(close_code.load()) +
             (close_code.load() == 1008
                  ? ": more than " + std::to_string(endpoint.max_queued) + " messages queued"
                  : std::string()) +
             ")";
    state.SkipWithError(why.c_str());
  }
}

}  // namespace

BENCHMARK(BM_CommandToWebSocketOverNats)
    ->Arg(1000)
    ->Arg(10000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
