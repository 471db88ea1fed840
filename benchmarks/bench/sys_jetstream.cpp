// NATS JetStream as the event store, as teams use it: each product's
// reserved stock is a subject whose last message is its current value,
// changed with Nats-Expected-Last-Subject-Sequence (optimistic concurrency:
// a concurrent change makes the publish fail, and the client re-reads and
// retries); the order event is published once every line is reserved,
// expecting no earlier message on its subject. JetStream has no
// transaction over several subjects, so a line that cannot be reserved
// releases the lines already reserved (compensation).
//
// nats-server 2.9.10 acknowledges a publish before its data is fsynced (it
// syncs every 2 minutes by default): the durability column says so.
#include <nats/nats.h>
#include <unistd.h>

#include <absl/container/flat_hash_map.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "benchmarks/bench/peers.h"
#include "tests/support/free_port.h"

namespace orderly::bench {

namespace {

constexpr const char* kStream = "BENCH";

std::string stock_subject(int product) {
  return "bench.stock." + std::to_string(product);
}

// One client's connection.
struct Client {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  ~Client() {
    if (js)
      jsCtx_Destroy(js);
    if (nc) {
      natsConnection_Close(nc);
      natsConnection_Destroy(nc);
    }
  }
};

class JetStream final : public System {
 public:
  JetStream(std::vector<std::string> envelopes, bool pipelined)
      : envelopes_(std::move(envelopes)), pipelined_(pipelined) {}
  ~JetStream() override { stop(); }
  std::string name() const override { return "jetstream"; }
  std::string variant() const override { return pipelined_ ? "pipelined" : "synchronous"; }
  std::string durability() const override { return "ack before fsync"; }

  Status prepare(const Workload& w) override {
    stop();
    workload_ = w;
    dir_ = make_temp_dir("orderly-bench-nats");
    port_ = testing::free_port();
    const std::string cmd = "/usr/sbin/nats-server -js -a 127.0.0.1 -p " + std::to_string(port_) +
                            " -sd " + dir_ + " -l " + dir_ + "/log -P " + dir_ + "/pid";
    if (std::system((cmd + " >/dev/null 2>&1 &").c_str()) != 0 ||
        !testing::wait_for_listener(port_, std::chrono::seconds(30))) {
      return Status::internal("nats-server did not start");
    }
    auto admin = client(-1);
    if (!admin)
      return Status::internal("cannot connect to nats-server");
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = kStream;
    const char* subjects[] = {"bench.>"};
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    jsStreamInfo* info = nullptr;
    if (js_AddStream(&info, admin->js, &cfg, nullptr, nullptr) != NATS_OK)
      return Status::internal("cannot create the JetStream stream");
    jsStreamInfo_Destroy(info);
    // Every product's reserved stock starts at 0: one message each.
    for (int i = 0; i < w.products; ++i) {
      const std::string subject = stock_subject(i);
      if (js_PublishAsync(admin->js, subject.c_str(), "0", 1, nullptr) != NATS_OK)
        return Status::internal("cannot publish the catalog");
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 60'000;
    if (js_PublishAsyncComplete(admin->js, &po) != NATS_OK)
      return Status::internal("the catalog was not acknowledged");
    return Status::ok();
  }

  Outcome place_order(int c, const OrderSpec& o) override {
    Client* cl = client(c);
    if (!cl)
      return Outcome::kError;
    for (int attempt = 0; attempt < 1000; ++attempt) {
      std::array<bool, 3> done{};
      const Outcome reserved =
          pipelined_ ? reserve_together(*cl, o, done) : reserve_one_by_one(*cl, o, done);
      if (reserved == Outcome::kAccepted)
        return publish_order(*cl, o) ? Outcome::kAccepted : Outcome::kError;
      // Release what was reserved, then refuse or try again.
      for (size_t i = 0; i < 3; ++i) {
        if (done[i] && !change(*cl, o.products[i], -o.quantities[i], false))
          return Outcome::kError;
      }
      if (reserved != Outcome::kError)  // kRefused: not enough stock
        return reserved;
    }
    return Outcome::kError;
  }

  Status check(const Workload& w, const std::vector<OrderSpec>& accepted) override {
    auto cl = client(-1);
    absl::flat_hash_map<int, int64_t> expected;
    for (const OrderSpec& o : accepted) {
      natsMsg* m = nullptr;
      const std::string subject = "bench.order." + o.order_id.to_string();
      if (js_GetLastMsg(&m, cl->js, kStream, subject.c_str(), nullptr, nullptr) != NATS_OK)
        return Status::internal("acknowledged order " + o.order_id.to_string() + " is missing");
      natsMsg_Destroy(m);
      for (size_t i = 0; i < 3; ++i)
        expected[o.products[i]] += o.quantities[i];
    }
    for (const auto& [product, units] : expected) {
      const auto [value, seq] = read(*cl, product);
      if (value > w.stock)
        return Status::internal("product " + std::to_string(product) + " is oversold");
      if (value != units)
        return Status::internal("product " + std::to_string(product) +
                                " reserves other than its orders");
    }
    // No order events beyond the acknowledged ones.
    jsStreamInfo* info = nullptr;
    jsOptions o;
    jsOptions_Init(&o);
    o.Stream.Info.SubjectsFilter = "bench.order.>";
    uint64_t orders = 0;
    if (js_GetStreamInfo(&info, cl->js, kStream, &o, nullptr) == NATS_OK) {
      if (info->State.Subjects)
        orders = static_cast<uint64_t>(info->State.Subjects->Count);
      jsStreamInfo_Destroy(info);
    }
    if (orders != accepted.size())
      return Status::internal("the stream holds orders nobody was told about");
    return Status::ok();
  }

  double cpu_seconds() const override { return cpu_seconds_of_self() + cpu_seconds_of_pid(pid()); }
  double peak_rss_mb() const override { return peak_rss_mb_of_pid(pid()); }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      clients_.clear();
      admin_.reset();
      cache_.clear();
    }
    if (const int p = pid(); p > 0) {
      ::kill(p, SIGTERM);
      for (int i = 0; i < 200 && ::kill(p, 0) == 0; ++i)
        usleep(25'000);
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

 private:
  int pid() const {
    if (dir_.empty())
      return 0;
    std::ifstream in(dir_ + "/pid");
    int p = 0;
    in >> p;
    return p;
  }

  Client* client(int c) {
    std::lock_guard lock(mu_);
    std::unique_ptr<Client>* slot = &admin_;
    if (c >= 0) {
      if (clients_.size() <= static_cast<size_t>(c))
        clients_.resize(static_cast<size_t>(c) + 1);
      slot = &clients_[static_cast<size_t>(c)];
    }
    if (!*slot) {
      auto cl = std::make_unique<Client>();
      const std::string url = "nats://127.0.0.1:" + std::to_string(port_);
      jsOptions jo;
      jsOptions_Init(&jo);
      jo.Wait = 30'000;
      if (natsConnection_ConnectTo(&cl->nc, url.c_str()) != NATS_OK ||
          natsConnection_JetStream(&cl->js, cl->nc, &jo) != NATS_OK) {
        return nullptr;
      }
      *slot = std::move(cl);
    }
    return slot->get();
  }

  // A product's reserved units and the sequence of that value: from the
  // cache, or read from the stream.
  std::pair<int64_t, uint64_t> read(Client& cl, int product) {
    natsMsg* m = nullptr;
    const std::string subject = stock_subject(product);
    if (js_GetLastMsg(&m, cl.js, kStream, subject.c_str(), nullptr, nullptr) != NATS_OK)
      return {0, 0};
    const std::string value(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m)));
    const uint64_t seq = natsMsg_GetSequence(m);
    natsMsg_Destroy(m);
    return {std::atoll(value.c_str()), seq};
  }

  std::pair<int64_t, uint64_t> cached(Client& cl, int product) {
    {
      std::lock_guard lock(mu_);
      if (auto it = cache_.find(product); it != cache_.end())
        return it->second;
    }
    auto v = read(cl, product);
    std::lock_guard lock(mu_);
    cache_[product] = v;
    return v;
  }

  void remember(int product, int64_t value, uint64_t seq) {
    std::lock_guard lock(mu_);
    auto& slot = cache_[product];
    if (seq > slot.second)
      slot = {value, seq};
  }

  void forget(int product) {
    std::lock_guard lock(mu_);
    cache_.erase(product);
  }

  // Adds `delta` to a product's reserved units with optimistic concurrency,
  // retrying after a concurrent change. `check_stock`: refuse (false with
  // *refused) when that would exceed the stock.
  bool change(Client& cl, int product, int64_t delta, bool check_stock, bool* refused = nullptr) {
    bool fresh = false;
    for (int attempt = 0; attempt < 1000; ++attempt) {
      const auto [value, seq] = cached(cl, product);
      if (check_stock && value + delta > workload_.stock) {
        if (!fresh) {  // the cache may be behind a release: look again first
          forget(product);
          fresh = true;
          continue;
        }
        if (refused)
          *refused = true;
        return false;
      }
      const std::string next = std::to_string(value + delta);
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.ExpectLastSubjectSeq = seq;
      jsPubAck* ack = nullptr;
      jsErrCode err = static_cast<jsErrCode>(0);
      const std::string subject = stock_subject(product);
      const natsStatus s = js_Publish(&ack, cl.js, subject.c_str(), next.data(),
                                      static_cast<int>(next.size()), &po, &err);
      if (s == NATS_OK) {
        remember(product, value + delta, ack->Sequence);
        jsPubAck_Destroy(ack);
        return true;
      }
      if (err != JSStreamWrongLastSequenceErr)
        return false;
      forget(product);  // someone else changed it: read it again
    }
    return false;
  }

  Outcome reserve_one_by_one(Client& cl, const OrderSpec& o, std::array<bool, 3>& done) {
    for (size_t i = 0; i < 3; ++i) {
      bool refused = false;
      if (!change(cl, o.products[i], o.quantities[i], true, &refused))
        return refused ? Outcome::kRefused : Outcome::kError;
      done[i] = true;
    }
    return Outcome::kAccepted;
  }

  // The three reservations in flight at once; a line whose expected
  // sequence was stale is reported as kError (retry), short stock as
  // kRefused.
  Outcome reserve_together(Client& cl, const OrderSpec& o, std::array<bool, 3>& done) {
    std::array<std::pair<int64_t, uint64_t>, 3> before;
    for (size_t i = 0; i < 3; ++i) {
      before[i] = cached(cl, o.products[i]);
      if (before[i].first + o.quantities[i] > workload_.stock) {
        forget(o.products[i]);  // the cache may be behind a release: look again
        before[i] = cached(cl, o.products[i]);
        if (before[i].first + o.quantities[i] > workload_.stock)
          return Outcome::kRefused;
      }
    }
    std::array<natsMsg*, 3> replies{};
    std::array<natsInbox*, 3> inboxes{};
    std::array<natsSubscription*, 3> subs{};
    // Request-reply by hand: three publishes, then three answers.
    for (size_t i = 0; i < 3; ++i) {
      natsInbox_Create(&inboxes[i]);
      natsConnection_SubscribeSync(&subs[i], cl.nc, inboxes[i]);
      natsMsg* m = nullptr;
      const std::string subject = stock_subject(o.products[i]);
      const std::string next = std::to_string(before[i].first + o.quantities[i]);
      natsMsg_Create(&m, subject.c_str(), inboxes[i], next.data(), static_cast<int>(next.size()));
      natsMsgHeader_Set(m, "Nats-Expected-Last-Subject-Sequence",
                        std::to_string(before[i].second).c_str());
      natsConnection_PublishMsg(cl.nc, m);
      natsMsg_Destroy(m);
    }
    Outcome out = Outcome::kAccepted;
    for (size_t i = 0; i < 3; ++i) {
      natsSubscription_NextMsg(&replies[i], subs[i], 30'000);
      const std::string body =
          replies[i] ? std::string(natsMsg_GetData(replies[i]),
                                   static_cast<size_t>(natsMsg_GetDataLength(replies[i])))
                     : std::string();
      // {"stream":"BENCH","seq":N} or {"error":{...}}
      const size_t at = body.find("\"seq\":");
      if (!replies[i] || body.find("\"error\"") != std::string::npos || at == std::string::npos) {
        forget(o.products[i]);
        out = Outcome::kError;
      } else {
        done[i] = true;
        remember(o.products[i], before[i].first + o.quantities[i],
                 std::strtoull(body.c_str() + at + 6, nullptr, 10));
      }
      natsMsg_Destroy(replies[i]);
      natsSubscription_Destroy(subs[i]);
      natsInbox_Destroy(inboxes[i]);
    }
    return out;
  }

  bool publish_order(Client& cl, const OrderSpec& o) {
    const std::string& data = envelopes_[static_cast<size_t>(o.order_id.lo % envelopes_.size())];
    const std::string subject = "bench.order." + o.order_id.to_string();
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.ExpectNoMessage = true;  // a new order: nothing on its subject yet
    jsPubAck* ack = nullptr;
    if (js_Publish(&ack, cl.js, subject.c_str(), data.data(), static_cast<int>(data.size()), &po,
                   nullptr) != NATS_OK) {
      return false;
    }
    jsPubAck_Destroy(ack);
    return true;
  }

  std::vector<std::string> envelopes_;
  bool pipelined_;
  Workload workload_;
  std::string dir_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::unique_ptr<Client> admin_;
  std::vector<std::unique_ptr<Client>> clients_;
  absl::flat_hash_map<int, std::pair<int64_t, uint64_t>> cache_;
};

}  // namespace

std::unique_ptr<System> make_jetstream(std::vector<std::string> envelopes, bool pipelined) {
  return std::make_unique<JetStream>(std::move(envelopes), pipelined);
}

}  // namespace orderly::bench
