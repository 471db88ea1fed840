// Issue 25 end to end: three nats-server in a JetStream cluster and three
// `orderly serve --replicate` on loopback, under concurrent HTTP order load
// from clients that follow redirects and retry with their Idempotency-Key.
// The leader is killed (SIGKILL): a new one accepts writes within 5 s, every
// order acknowledged (201) before, during and after is on every surviving
// node, none twice, `orderly verify` passes on each and their logs are the
// same records at the same positions.
#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "eventstore/store.h"
#include "tests/support/free_port.h"
#include "tests/support/json_fields.h"
#include "tests/support/nats_cluster.h"
#include "tests/support/orderly_binary.h"
#include "tests/support/orderly_server.h"
#include "tests/support/process.h"
#include "tests/support/wait_until.h"

using namespace orderly;
using namespace orderly::testing;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// The JSON of GET /health on `port`, null when it does not answer.
json::value health(uint16_t port) {
  HttpClient c(port);
  c.set_timeout(std::chrono::seconds(2));
  auto r = c.request("GET", "/health");
  return r.status == 200 ? r.json() : json::value();
}

std::string role_of(uint16_t port) {
  const json::value h = health(port);
  if (!h.is_object() || !h.as_object().contains("role"))
    return "";
  return std::string(h.as_object().at("role").as_string());
}

uint64_t position_of(uint16_t port) {
  const json::value h = health(port);
  return h.is_object() ? h.as_object().at("log_position").to_number<uint64_t>() : 0;
}

// Three engines on one JetStream cluster, sharing a JWT secret.
struct EngineCluster {
  TempDir dir;
  NatsCluster nats{dir.sub("nats")};
  std::string secret_file = dir.sub("jwt.secret");
  std::vector<std::unique_ptr<OrderlyServer>> nodes;

  EngineCluster() {
    REQUIRE(nats.wait_ready(std::chrono::seconds(60)));
    std::ofstream(secret_file) << "a shared secret for every node of this test cluster, 48+ bytes";
    std::filesystem::permissions(
        secret_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    // The first node has the admin in its log before the cluster exists:
    // it leads first and publishes that log into the empty stream.
    for (int i = 0; i < 3; ++i) {
      OrderlyServer::Options o;
      o.create_admin = i == 0;
      o.log_file = "node" + std::to_string(i + 1) + ".log";
      o.killed_at_end = true;
      o.start = false;
      nodes.push_back(std::make_unique<OrderlyServer>(flags(), o));
    }
    nodes[0]->start();
    REQUIRE(poll_until([&] { return role_of(nodes[0]->port()) == "leader"; },
                       std::chrono::seconds(60), std::chrono::milliseconds(50)));
    for (int i = 1; i < 3; ++i)
      nodes[i]->start();
    for (int i = 1; i < 3; ++i) {
      REQUIRE(poll_until(
          [&] {
            return role_of(nodes[i]->port()) == "follower" &&
                   position_of(nodes[i]->port()) == position_of(nodes[0]->port());
          },
          std::chrono::seconds(60), std::chrono::milliseconds(50)));
    }
  }

  std::vector<std::string> flags() const {
    return {"--no-demo", "--replicate",       nats.urls(), "--jwt-secret-file",
            secret_file, "--rate-limit-ip",   "0",         "--rate-limit-user",
            "0",         "--hold-max-orders", "0",         "--hold-max-units",
            "0",         "--hold-max-cents",  "0",         "--email-recipient-rate",
            "0"};
  }

  // The index of the node that leads now (-1: none).
  int leader() const {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i]->running() && role_of(nodes[i]->port()) == "leader")
        return static_cast<int>(i);
    }
    return -1;
  }
};

// What the nodes logged about replication (for a failure's message).
std::string replication_log(const EngineCluster& cluster) {
  std::string out;
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    std::ifstream in(cluster.nodes[i]->log_file());
    const std::string tail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t start = 0;
    while (start < tail.size()) {
      size_t end = tail.find('\n', start);
      if (end == std::string::npos)
        end = tail.size();
      const std::string_view line(tail.data() + start, end - start);
      if (line.find("replication") != std::string_view::npos ||
          line.find("leadership") != std::string_view::npos)
        out += "node " + std::to_string(i + 1) + ": " + std::string(line.substr(0, 300)) + "\n";
      start = end + 1;
    }
  }
  return out;
}

// Sends to `port`, following 307s to the leader; on no answer or 503 tries
// the next running node after a pause, until `deadline`.
HttpResult send_to_cluster(const EngineCluster& cluster, size_t start, const std::string& method,
                           const std::string& target, const std::string& token,
                           const std::string& body,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           Clock::time_point deadline,
                           const std::function<void(uint16_t, int)>& seen = {}) {
  size_t next = start;
  uint16_t port = 0;
  while (Clock::now() < deadline) {
    if (port == 0) {
      const auto& node = cluster.nodes[next++ % cluster.nodes.size()];
      if (!node->running())
        continue;
      port = node->port();
    }
    HttpClient c(port);
    c.set_timeout(std::chrono::seconds(2));  // a frozen node never answers
    HttpResult r = c.send(method, target, token, body, headers);
    if (r.status == 307) {
      const std::string location = r.header("location");
      const size_t colon = location.rfind(':');
      const size_t slash = location.find('/', colon);
      port = static_cast<uint16_t>(std::stoi(location.substr(colon + 1, slash - colon - 1)));
      continue;
    }
    if (r.status == 0 || r.status == 503) {
      if (seen)
        seen(port, r.status);
      port = 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    return r;
  }
  return {};
}

// Every record of a stopped node's log: (first position, bytes).
std::vector<std::pair<uint64_t, std::string>> records_of(const std::string& data_dir) {
  eventstore::StoreOptions o;
  o.read_only = true;
  auto store = eventstore::EventStore::open(data_dir, o);
  REQUIRE_MESSAGE(store.is_ok(), store.status().to_string());
  std::vector<std::pair<uint64_t, std::string>> out;
  REQUIRE((*store)
              ->scan_records(1,
                             [&](eventstore::ReplicatedRecord r) {
                               out.emplace_back(r.first_position, std::move(r.bytes));
                               return true;
                             })
              .is_ok());
  return out;
}

uint64_t orders_placed(const std::string& data_dir) {
  eventstore::StoreOptions o;
  o.read_only = true;
  auto store = eventstore::EventStore::open(data_dir, o);
  REQUIRE(store.is_ok());
  eventstore::LogQuery q;
  q.types = {EventType::kOrderPlaced};
  uint64_t n = 0;
  REQUIRE((*store)
              ->scan(q,
                     [&](const EventView&) {
                       ++n;
                       return true;
                     })
              .is_ok());
  return n;
}

// Clients placing orders on any node, each request retried with its key
// until answered 201 (or `patience` passes), until stop().
struct OrderLoad {
  struct Ack {
    std::string order;
    Clock::time_point at;
  };
  const EngineCluster& cluster;
  std::string product;
  std::atomic<bool> stopping{false};
  std::atomic<int> unanswered{0};
  std::mutex mu;
  std::vector<Ack> acks;
  std::vector<std::thread> threads;

  OrderLoad(const EngineCluster& c, std::string product_id, const std::vector<Session>& users,
            std::chrono::seconds patience = std::chrono::seconds(60))
      : cluster(c), product(std::move(product_id)) {
    for (size_t t = 0; t < users.size(); ++t) {
      threads.emplace_back([this, t, token = users[t].access_token, patience] {
        for (size_t i = 0; !stopping.load(); ++i) {
          const std::string key = "client-" + std::to_string(t) + "-" + std::to_string(i);
          auto r =
              send_to_cluster(cluster, t + i, "POST", "/api/orders", token,
                              R"({"items":[{"product_id":")" + product + R"(","quantity":1}]})",
                              {{"Idempotency-Key", key}}, Clock::now() + patience,
                              [this](uint16_t port, int status) { note(port, status); });
          // 202: placed and replicated, its read model not caught up within
          // the server's wait (the order is named by its stream).
          if (r.status != 201 && r.status != 202) {
            note(0, r.status);
            ++unanswered;
            continue;
          }
          std::string id = r.status == 201 ? str(r.json().as_object().at("order"), "id")
                                           : str(r.json(), "stream").substr(6);
          std::lock_guard lock(mu);
          acks.push_back({std::move(id), Clock::now()});
        }
      });
    }
  }
  ~OrderLoad() { stop(); }
  // Answers other than 201 by port (0: the final one of a request given up).
  std::map<std::pair<uint16_t, int>, int> refusals;
  void note(uint16_t port, int status) {
    std::lock_guard lock(mu);
    ++refusals[{port, status}];
  }
  std::string refusal_summary() {
    std::lock_guard lock(mu);
    std::string out;
    for (const auto& [k, n] : refusals)
      out += "port " + std::to_string(k.first) + " status " + std::to_string(k.second) + ": " +
             std::to_string(n) + "\n";
    return out;
  }
  void stop() {
    stopping.store(true);
    for (auto& t : threads) {
      if (t.joinable())
        t.join();
    }
  }
  size_t count() {
    std::lock_guard lock(mu);
    return acks.size();
  }
  // The first acknowledgement after `t`, once there is one.
  std::optional<Clock::time_point> first_after(Clock::time_point t) {
    std::lock_guard lock(mu);
    for (const Ack& a : acks) {
      if (a.at > t)
        return a.at;
    }
    return std::nullopt;
  }
  std::vector<std::string> orders() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const Ack& a : acks)
      out.push_back(a.order);
    return out;
  }
};

// The shop the load runs against: a product with plenty of stock and four
// customers, made on the first node (the leader).
struct Shop {
  std::string product;
  std::vector<Session> users;
};
Shop open_shop(EngineCluster& cluster) {
  HttpClient leader(cluster.nodes[0]->port());
  const Session admin = cluster.nodes[0]->admin();
  auto made = leader.send(
      "POST", "/api/products", admin.access_token,
      R"({"name":"Mug","description":"d","category":"test","price_cents":500,"stock":1000000})");
  REQUIRE_MESSAGE(made.status == 201, made.body);
  Shop shop;
  shop.product = str(made.json().as_object().at("product"), "id");
  for (int i = 0; i < 4; ++i)
    shop.users.push_back(cluster.nodes[0]->register_user("shopper" + std::to_string(i)));
  return shop;
}

// Every running node has every acknowledged order, once it has caught up
// with the leader's end.
void require_everywhere(EngineCluster& cluster, const std::vector<std::string>& orders) {
  const int leader = cluster.leader();
  REQUIRE(leader >= 0);
  const uint64_t end = position_of(cluster.nodes[leader]->port());
  const Session admin = cluster.nodes[leader]->admin();
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    if (!cluster.nodes[i]->running())
      continue;
    REQUIRE(poll_until([&] { return position_of(cluster.nodes[i]->port()) >= end; },
                       std::chrono::seconds(60), std::chrono::milliseconds(20)));
    HttpClient c(cluster.nodes[i]->port());
    size_t missing = 0;
    for (const std::string& id : orders) {
      auto r = c.send("GET", "/api/orders/" + id, admin.access_token, "",
                      {{"X-Min-Position", std::to_string(end)}});
      missing += r.status != 200;
    }
    CHECK_MESSAGE(missing == 0,
                  "node " << i + 1 << " lacks " << missing << " of " << orders.size() << " orders");
  }
}

// Stops every running node (SIGTERM, exit 0) and checks its log with
// `orderly verify`; the data directories, in node order.
std::vector<std::string> stop_and_verify(EngineCluster& cluster) {
  std::vector<std::string> data;
  for (auto& node : cluster.nodes) {
    if (!node->running())
      continue;
    CHECK(node->stop() == 0);
    data.push_back(node->data_dir());
  }
  for (const auto& d : data) {
    auto verify = run_command({orderly_binary(), "verify", "--data-dir", d});
    CHECK_MESSAGE(verify.exit_code == 0, verify.output);
  }
  return data;
}

}  // namespace

TEST_CASE("cluster: the leader killed under order load, a new one within 5 s, nothing lost") {
  EngineCluster cluster;
  const Shop shop = open_shop(cluster);
  OrderLoad load(cluster, shop.product, shop.users);
  REQUIRE(poll_until([&] { return load.count() >= 200; }, std::chrono::seconds(60),
                     std::chrono::milliseconds(20)));
  REQUIRE(cluster.leader() == 0);
  const auto killed_at = Clock::now();
  cluster.nodes[0]->kill();
  int new_leader = -1;
  REQUIRE(poll_until(
      [&] {
        new_leader = cluster.leader();
        return new_leader >= 0 && load.first_after(killed_at).has_value();
      },
      std::chrono::seconds(60), std::chrono::milliseconds(20)));
  // Writes accepted again: the first acknowledgement after the kill.
  const double failover_s =
      std::chrono::duration<double>(*load.first_after(killed_at) - killed_at).count();
  MESSAGE("node " << new_leader + 1 << " leads; first order acknowledged " << failover_s
                  << " s after the kill");
  CHECK(failover_s < 5.0);
  const size_t at_failover = load.count();
  REQUIRE(poll_until([&] { return load.count() >= at_failover + 200; }, std::chrono::seconds(60),
                     std::chrono::milliseconds(20)));
  load.stop();
  CHECK_MESSAGE(load.unanswered.load() == 0, load.refusal_summary());
  const std::vector<std::string> acknowledged = load.orders();
  require_everywhere(cluster, acknowledged);

  // Quiet: both nodes at the same position for a second (the leader's email
  // notifier records its deliveries a moment after the orders).
  uint64_t settled = 0;
  CHECK(poll_until(
      [&] {
        const uint64_t a = position_of(cluster.nodes[new_leader]->port());
        bool same = true;
        for (size_t i = 0; i < 3; ++i) {
          if (cluster.nodes[i]->running())
            same = same && position_of(cluster.nodes[i]->port()) == a;
        }
        if (!same || a != settled) {
          settled = same ? a : 0;
          return false;
        }
        return true;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(1000)));

  // Stopped: verified, each order placed once, and the same log: the same
  // records at the same positions (one may end later, with what the leader
  // wrote as it stopped).
  const std::vector<std::string> survivors = stop_and_verify(cluster);
  REQUIRE(survivors.size() == 2);
  for (const auto& data : survivors)
    CHECK(orders_placed(data) == acknowledged.size());
  const auto a = records_of(survivors[0]), b = records_of(survivors[1]);
  size_t same = 0;
  while (same < a.size() && same < b.size() && a[same] == b[same])
    ++same;
  CHECK(a.size() >= 100);
  CHECK(std::max(a.size(), b.size()) - std::min(a.size(), b.size()) <= 1);
  CHECK_MESSAGE(same == std::min(a.size(), b.size()),
                "the logs differ from record " << same << " (position "
                                               << (same < a.size() ? a[same].first : 0) << ")");
  MESSAGE(acknowledged.size() << " orders acknowledged, logs of " << a.size() << " and " << b.size()
                              << " records");
}

TEST_CASE("cluster: a leader frozen past its lease is replaced, and rejoins as a follower") {
  EngineCluster cluster;
  const Shop shop = open_shop(cluster);
  OrderLoad load(cluster, shop.product, shop.users);
  REQUIRE(poll_until([&] { return load.count() >= 100; }, std::chrono::seconds(60),
                     std::chrono::milliseconds(20)));
  const uint16_t old_port = cluster.nodes[0]->port();
  const pid_t old_pid = cluster.nodes[0]->pid();
  const auto frozen_at = Clock::now();
  ::kill(old_pid, SIGSTOP);
  int new_leader = -1;
  const bool replaced = poll_until(
      [&] {
        for (int i = 1; i < 3; ++i) {
          if (role_of(cluster.nodes[i]->port()) == "leader")
            new_leader = i;
        }
        return new_leader > 0 && load.first_after(frozen_at).has_value();
      },
      std::chrono::seconds(60), std::chrono::milliseconds(20));
  ::kill(old_pid, SIGCONT);
  REQUIRE_MESSAGE(replaced, replication_log(cluster) << load.refusal_summary());
  MESSAGE("node " << new_leader + 1 << " took over; the first order after the freeze was "
                  << std::chrono::duration<double>(*load.first_after(frozen_at) - frozen_at).count()
                  << " s after it");
  // Thawed, it finds its lease gone, stops acknowledging and comes back as
  // a follower on the same port (the same process, started again in place).
  CHECK_MESSAGE(poll_until([&] { return role_of(old_port) == "follower"; },
                           std::chrono::seconds(90), std::chrono::milliseconds(50)),
                replication_log(cluster));
  const size_t now = load.count();
  REQUIRE(poll_until([&] { return load.count() >= now + 100; }, std::chrono::seconds(60),
                     std::chrono::milliseconds(20)));
  load.stop();
  CHECK_MESSAGE(load.unanswered.load() == 0, load.refusal_summary());
  const std::vector<std::string> orders = load.orders();
  require_everywhere(cluster, orders);

  // What it wrote and the cluster never took is in its quarantine, readable.
  std::error_code ec;
  for (const auto& f :
       std::filesystem::directory_iterator(cluster.nodes[0]->data_dir() + "/quarantine", ec)) {
    auto listed = run_command({orderly_binary(), "inspect", "--quarantine", f.path().string()});
    CHECK_MESSAGE(listed.exit_code == 0, listed.output);
    MESSAGE("quarantined: " << f.path().filename().string());
  }
  const std::vector<std::string> data = stop_and_verify(cluster);
  REQUIRE(data.size() == 3);
  for (const auto& d : data)
    CHECK(orders_placed(d) == orders.size());
}

TEST_CASE("cluster: without a NATS quorum writes stop with 503, and resume when it returns") {
  EngineCluster cluster;
  const Shop shop = open_shop(cluster);
  const std::string order_body =
      R"({"items":[{"product_id":")" + shop.product + R"(","quantity":1}]})";
  std::vector<std::string> orders;
  auto place = [&](const std::string& key, std::chrono::seconds patience) {
    auto r = send_to_cluster(cluster, 0, "POST", "/api/orders", shop.users[0].access_token,
                             order_body, {{"Idempotency-Key", key}}, Clock::now() + patience);
    if (r.status == 201)
      orders.push_back(str(r.json().as_object().at("order"), "id"));
    return r.status;
  };
  REQUIRE(place("before", std::chrono::seconds(30)) == 201);

  // One server of three down: a stall at most, then writes go on.
  cluster.nats.kill(2);
  const auto one_down = Clock::now();
  CHECK_MESSAGE(place("one-down", std::chrono::seconds(60)) == 201, replication_log(cluster));
  MESSAGE("with one NATS server down, an order took "
          << std::chrono::duration<double>(Clock::now() - one_down).count() << " s");

  // Two down: no quorum. Nothing is acknowledged: every node answers 503
  // (the leader cannot replicate, then steps down; no one can take over).
  cluster.nats.kill(1);
  bool refused = poll_until(
      [&] {
        for (auto& node : cluster.nodes) {
          HttpClient c(node->port());
          auto r = c.send("POST", "/api/orders", shop.users[1].access_token, order_body,
                          {{"Idempotency-Key", "no-quorum"}});
          if (r.status == 201)
            return false;
          if (r.status != 503 && r.status != 307 && r.status != 0)
            return false;
        }
        HttpClient any(cluster.nodes[1]->port());
        return any.send("POST", "/api/orders", shop.users[1].access_token, order_body,
                        {{"Idempotency-Key", "no-quorum"}})
                   .status == 503;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(200));
  CHECK_MESSAGE(refused, replication_log(cluster));

  // Back: a leader again, and writes resume, with no one restarting an engine.
  cluster.nats.start(1);
  cluster.nats.start(2);
  REQUIRE(cluster.nats.wait_ready(std::chrono::seconds(90)));
  const auto back = Clock::now();
  CHECK_MESSAGE(place("after", std::chrono::seconds(90)) == 201, replication_log(cluster));
  MESSAGE("writes resumed " << std::chrono::duration<double>(Clock::now() - back).count()
                            << " s after NATS was back");
  require_everywhere(cluster, orders);
  // The refused order was never placed, even if a node took it meanwhile:
  // at most once, by its key.
  const std::vector<std::string> data = stop_and_verify(cluster);
  REQUIRE(data.size() == 3);
  for (const auto& d : data) {
    const uint64_t placed = orders_placed(d);
    CHECK((placed == orders.size() || placed == orders.size() + 1));
  }
}

TEST_CASE(
    "cluster: the leader killed again and again, each killed node back as a follower, a node "
    "with another secret is refused, and a node from a backup joins") {
  // A few rounds here; ORDERLY_KILL_ROUNDS=20 for the long form.
  const char* env = std::getenv("ORDERLY_KILL_ROUNDS");
  const int rounds = env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : 3;
  EngineCluster cluster;
  const Shop shop = open_shop(cluster);
  OrderLoad load(cluster, shop.product, shop.users);
  std::vector<double> failovers;
  for (int round = 0; round < rounds; ++round) {
    const size_t before = load.count();
    REQUIRE(poll_until([&] { return load.count() >= before + 50; }, std::chrono::seconds(60),
                       std::chrono::milliseconds(20)));
    const int leader = cluster.leader();
    REQUIRE(leader >= 0);
    const auto killed_at = Clock::now();
    cluster.nodes[leader]->kill();
    REQUIRE_MESSAGE(poll_until([&] { return load.first_after(killed_at).has_value(); },
                               std::chrono::seconds(60), std::chrono::milliseconds(10)),
                    replication_log(cluster));
    failovers.push_back(
        std::chrono::duration<double>(*load.first_after(killed_at) - killed_at).count());
    // Back on the same data directory: what it wrote that the cluster never
    // took goes to quarantine, and it follows.
    cluster.nodes[leader]->start();
    REQUIRE_MESSAGE(poll_until(
                        [&] {
                          return role_of(cluster.nodes[leader]->port()) == "follower" &&
                                 health(cluster.nodes[leader]->port())
                                         .as_object()
                                         .at("replication_lag")
                                         .to_number<uint64_t>() == 0;
                        },
                        std::chrono::seconds(90), std::chrono::milliseconds(50)),
                    replication_log(cluster));
  }
  // A fourth node joins from `orderly backup` of a running follower (how a
  // node far behind the stream's retention starts): the orders after the
  // backup come to it from the stream.
  int follower = -1;
  for (int i = 0; i < 3 && follower < 0; ++i) {
    if (role_of(cluster.nodes[i]->port()) == "follower")
      follower = i;
  }
  REQUIRE(follower >= 0);
  const std::string restored = cluster.dir.sub("node4-from-backup");
  const auto backup = run_command(
      {orderly_binary(), "backup", restored, "--data-dir", cluster.nodes[follower]->data_dir()});
  REQUIRE_MESSAGE(backup.exit_code == 0, backup.output);
  const size_t at_backup = load.count();
  // A node with another JWT secret is refused (a token signed by one node
  // must be valid on every one): it says why and exits with status 2.
  {
    const std::string other_secret = cluster.dir.sub("other.secret");
    std::ofstream(other_secret) << "another secret, not this cluster's one, also 48 bytes or more";
    std::filesystem::permissions(
        other_secret, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::vector<std::string> argv = {"timeout",        "60",
                                     orderly_binary(), "serve",
                                     "--data-dir",     cluster.dir.sub("stranger"),
                                     "--http-address", "127.0.0.1:" + std::to_string(free_port())};
    for (std::string flag : cluster.flags())
      argv.push_back(flag == cluster.secret_file ? other_secret : flag);
    const auto refused = run_command(with_stderr_to(cluster.dir.sub("stranger.log"), argv));
    std::ifstream log(cluster.dir.sub("stranger.log"));
    const std::string said((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    CHECK_MESSAGE(refused.exit_code == 2, refused.output << said);
    CHECK_MESSAGE((refused.output + said).find("JWT secret differs") != std::string::npos,
                  refused.output << said);
  }
  REQUIRE(poll_until([&] { return load.count() >= at_backup + 50; }, std::chrono::seconds(60),
                     std::chrono::milliseconds(20)));
  load.stop();
  CHECK_MESSAGE(load.unanswered.load() == 0, load.refusal_summary());
  {
    OrderlyServer::Options o;
    o.data_dir = restored;
    o.create_admin = false;
    o.log_file = "node4.log";
    o.killed_at_end = true;
    auto fourth = std::make_unique<OrderlyServer>(cluster.flags(), o);
    const uint16_t port = fourth->port();
    cluster.nodes.push_back(std::move(fourth));  // the load has stopped: no one reads the list
    REQUIRE_MESSAGE(poll_until(
                        [&] {
                          const json::value h = health(port);
                          const json::object* o = h.if_object();
                          return o != nullptr && o->contains("role") &&
                                 o->at("role").as_string() == "follower" &&
                                 o->at("replication_lag").to_number<uint64_t>() == 0;
                        },
                        std::chrono::seconds(90), std::chrono::milliseconds(50)),
                    replication_log(cluster));
  }
  std::vector<double> sorted = failovers;
  std::sort(sorted.begin(), sorted.end());
  MESSAGE(rounds << " leader kills: first order acknowledged after the kill in a median "
                 << sorted[sorted.size() / 2] << " s, worst " << sorted.back() << " s");
  CHECK(sorted.back() < 10.0);
  const std::vector<std::string> orders = load.orders();
  require_everywhere(cluster, orders);
  const std::vector<std::string> data = stop_and_verify(cluster);
  REQUIRE(data.size() == 4);
  std::vector<std::vector<std::pair<uint64_t, std::string>>> logs;
  for (const auto& d : data) {
    CHECK(orders_placed(d) == orders.size());
    logs.push_back(records_of(d));
  }
  // The same records at the same positions on every node (one may end a
  // record or two later: what a leader wrote while stopping).
  for (size_t i = 1; i < logs.size(); ++i) {
    const size_t common = std::min(logs[0].size(), logs[i].size());
    CHECK(common + 2 >= std::max(logs[0].size(), logs[i].size()));
    CHECK(std::equal(logs[0].begin(), logs[0].begin() + static_cast<std::ptrdiff_t>(common),
                     logs[i].begin()));
  }
}
