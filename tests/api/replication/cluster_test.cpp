// Issue 25 end to end: three nats-server in a JetStream cluster and three
// `orderly serve --replicate` on loopback, under concurrent HTTP order load
// from clients that follow redirects and retry with their Idempotency-Key.
// The leader is killed (SIGKILL): a new one accepts writes within 5 s, every
// order acknowledged (201) before, during and after is on every surviving
// node, none twice, `orderly verify` passes on each and their logs are the
// same records at the same positions.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "eventstore/store.h"
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

// Sends to `port`, following 307s to the leader; on no answer or 503 tries
// the next running node after a pause, until `deadline`.
HttpResult send_to_cluster(const EngineCluster& cluster, size_t start, const std::string& method,
                           const std::string& target, const std::string& token,
                           const std::string& body,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           Clock::time_point deadline) {
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
    HttpResult r = c.send(method, target, token, body, headers);
    if (r.status == 307) {
      const std::string location = r.header("location");
      const size_t colon = location.rfind(':');
      const size_t slash = location.find('/', colon);
      port = static_cast<uint16_t>(std::stoi(location.substr(colon + 1, slash - colon - 1)));
      continue;
    }
    if (r.status == 0 || r.status == 503) {
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

}  // namespace

TEST_CASE("cluster: the leader killed under order load, a new one within 5 s, nothing lost") {
  EngineCluster cluster;
  HttpClient leader(cluster.nodes[0]->port());
  const Session admin = cluster.nodes[0]->admin();
  auto made = leader.send(
      "POST", "/api/products", admin.access_token,
      R"({"name":"Mug","description":"d","category":"test","price_cents":500,"stock":1000000})");
  REQUIRE_MESSAGE(made.status == 201, made.body);
  const std::string mug = str(made.json().as_object().at("product"), "id");
  std::vector<Session> users;
  for (int i = 0; i < 4; ++i)
    users.push_back(cluster.nodes[0]->register_user("shopper" + std::to_string(i)));

  // Clients place orders on any node until told to stop; every request is
  // retried with its key until it is answered 201.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::vector<Clock::time_point> ack_times;
  std::atomic<int> unanswered{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string key = "client-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = send_to_cluster(
            cluster, static_cast<size_t>(t + i), "POST", "/api/orders", users[t].access_token,
            R"({"items":[{"product_id":")" + mug + R"(","quantity":1}]})",
            {{"Idempotency-Key", key}}, Clock::now() + std::chrono::seconds(60));
        if (r.status != 201) {
          ++unanswered;
          continue;
        }
        std::lock_guard lock(mu);
        acknowledged.push_back(str(r.json().as_object().at("order"), "id"));
        ack_times.push_back(Clock::now());
      }
    });
  }
  auto acks = [&] {
    std::lock_guard lock(mu);
    return acknowledged.size();
  };
  REQUIRE(poll_until([&] { return acks() >= 200; }, std::chrono::seconds(60),
                     std::chrono::milliseconds(20)));
  const int old_leader = cluster.leader();
  REQUIRE(old_leader == 0);
  const auto killed_at = Clock::now();
  cluster.nodes[old_leader]->kill();
  int new_leader = -1;
  REQUIRE(poll_until(
      [&] {
        new_leader = cluster.leader();
        return new_leader >= 0;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(20)));
  // Writes accepted again: the first acknowledgement after the kill.
  Clock::time_point first_after{};
  REQUIRE(poll_until(
      [&] {
        std::lock_guard lock(mu);
        for (auto at : ack_times) {
          if (at > killed_at) {
            first_after = at;
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(10)));
  const double failover_s = std::chrono::duration<double>(first_after - killed_at).count();
  MESSAGE("node " << new_leader + 1 << " leads; first order acknowledged " << failover_s
                  << " s after the kill");
  CHECK(failover_s < 5.0);
  const size_t at_failover = acks();
  REQUIRE(poll_until([&] { return acks() >= at_failover + 200; }, std::chrono::seconds(60),
                     std::chrono::milliseconds(20)));
  stop.store(true);
  for (auto& c : clients)
    c.join();
  CHECK(unanswered.load() == 0);

  // Every acknowledged order is on both surviving nodes.
  const uint64_t end = position_of(cluster.nodes[new_leader]->port());
  for (size_t i = 0; i < 3; ++i) {
    if (!cluster.nodes[i]->running())
      continue;
    REQUIRE(poll_until([&] { return position_of(cluster.nodes[i]->port()) >= end; },
                       std::chrono::seconds(60), std::chrono::milliseconds(20)));
    HttpClient c(cluster.nodes[i]->port());
    const Session node_admin = cluster.nodes[new_leader]->admin();
    size_t missing = 0;
    for (const std::string& id : acknowledged) {
      auto r = c.send("GET", "/api/orders/" + id, node_admin.access_token, "",
                      {{"X-Min-Position", std::to_string(end)}});
      missing += r.status != 200;
    }
    CHECK_MESSAGE(missing == 0, "node " << i + 1 << " lacks " << missing << " orders");
  }

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
  std::vector<std::string> survivors;
  for (size_t i = 0; i < 3; ++i) {
    if (cluster.nodes[i]->running()) {
      CHECK(cluster.nodes[i]->stop() == 0);
      survivors.push_back(cluster.nodes[i]->data_dir());
    }
  }
  REQUIRE(survivors.size() == 2);
  for (const auto& data : survivors) {
    auto verify = run_command({orderly_binary(), "verify", "--data-dir", data});
    CHECK_MESSAGE(verify.exit_code == 0, verify.output);
    CHECK(orders_placed(data) == acknowledged.size());
  }
  const auto a = records_of(survivors[0]), b = records_of(survivors[1]);
  size_t same = 0;
  while (same < a.size() && same < b.size() && a[same] == b[same])
    ++same;
  CHECK(a.size() >= 100);
  CHECK(std::max(a.size(), b.size()) - std::min(a.size(), b.size()) <= 1);
  CHECK_MESSAGE(same == std::min(a.size(), b.size()),
                "the logs differ from record " << same << " (position "
                                               << (same < a.size() ? a[same].first : 0) << ")");
  MESSAGE(acknowledged.size() << " orders acknowledged, log ends at " << end);
}
