#include "tests/support/nats_cluster.h"

#include <signal.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <thread>

#include "tests/support/free_port.h"
#include "tests/support/http_client.h"
#include "tests/support/wait_until.h"

namespace orderly::testing {

namespace {

// Nine distinct ports: free_port() closes its socket, so two calls may hand
// out the same one.
std::vector<uint16_t> distinct_free_ports(size_t n) {
  std::set<uint16_t> seen;
  std::vector<uint16_t> out;
  while (out.size() < n) {
    const uint16_t p = free_port();
    if (seen.insert(p).second)
      out.push_back(p);
  }
  return out;
}

// A monitoring endpoint's JSON, or null when the server did not answer 200.
boost::json::value get_json(uint16_t port, const std::string& target) {
  HttpClient client(port);
  const HttpResult r = client.request("GET", target);
  return r.status == 200 ? r.json() : boost::json::value();
}

std::string string_at(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* at = &v;
  for (const char* key : path) {
    if (!at->is_object() || !at->as_object().contains(key))
      return "";
    at = &at->as_object().at(key);
  }
  return at->is_string() ? std::string(at->as_string()) : "";
}

// Whether every thread of `pid` is stopped ('T' in /proc/<pid>/task/*/stat):
// SIGSTOP is delivered asynchronously, and a thread still running could
// answer one more request.
bool all_threads_stopped(pid_t pid) {
  std::error_code ec;
  bool any = false;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');  // the name may hold spaces
    if (close == std::string::npos || close + 2 >= stat.size())
      continue;  // the thread just ended
    if (stat[close + 2] != 'T' && stat[close + 2] != 't')
      return false;
    any = true;
  }
  return any;
}

}  // namespace

NatsCluster::NatsCluster(std::string dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  const auto ports = distinct_free_ports(3 * kSize);
  for (int i = 0; i < kSize; ++i) {
    nodes_[i].client_port = ports[3 * i];
    nodes_[i].cluster_port = ports[3 * i + 1];
    nodes_[i].http_port = ports[3 * i + 2];
    nodes_[i].store = dir_ + "/" + name(i);
  }
  for (int i = 0; i < kSize; ++i)
    start(i);
}

NatsCluster::~NatsCluster() {
  for (int i = 0; i < kSize; ++i)
    kill(i);
}

std::string NatsCluster::url(int i) const {
  return "nats://127.0.0.1:" + std::to_string(nodes_[i].client_port);
}

std::string NatsCluster::urls() const {
  std::string out;
  for (int i = 0; i < kSize; ++i)
    out += (i ? "," : "") + url(i);
  return out;
}

std::vector<std::string> NatsCluster::argv(int i) const {
  const Node& n = nodes_[i];
  std::string routes;
  for (int j = 0; j < kSize; ++j) {
    if (j != i)
      routes += (routes.empty() ? "" : ",") + std::string("nats://127.0.0.1:") +
                std::to_string(nodes_[j].cluster_port);
  }
  // Each server's log beside the stores: the test output stays readable and
  // a failure can still be explained.
  return with_stderr_to(
      dir_ + "/" + name(i) + ".log",
      {"/usr/sbin/nats-server", "-js", "-a", "127.0.0.1", "-p", std::to_string(n.client_port), "-m",
       std::to_string(n.http_port), "--server_name", name(i), "--cluster_name", "orderly",
       "--cluster", "nats://127.0.0.1:" + std::to_string(n.cluster_port), "--routes", routes, "-sd",
       n.store});
}

void NatsCluster::start(int i) {
  Node& n = nodes_[i];
  if (n.proc)
    return;
  n.proc = std::make_unique<ChildProcess>(argv(i));
  if (!wait_for_listener(n.client_port, std::chrono::seconds(30)))
    throw std::runtime_error("nats-server " + name(i) + " did not start");
}

void NatsCluster::kill(int i) {
  Node& n = nodes_[i];
  if (!n.proc)
    return;
  thaw(i);
  n.proc->kill_hard();
  n.proc->wait();
  n.proc.reset();
}

void NatsCluster::freeze(int i) {
  Node& n = nodes_[i];
  if (n.proc && !n.frozen) {
    ::kill(n.proc->pid(), SIGSTOP);
    n.frozen = true;
    const pid_t pid = n.proc->pid();
    if (!poll_until([pid] { return all_threads_stopped(pid); }, std::chrono::seconds(10),
                    std::chrono::milliseconds(5)))
      throw std::runtime_error("nats-server " + name(i) + " did not stop");
  }
}

void NatsCluster::thaw(int i) {
  Node& n = nodes_[i];
  if (n.proc && n.frozen)
    ::kill(n.proc->pid(), SIGCONT);
  n.frozen = false;
}

bool NatsCluster::ready_now() {
  std::vector<int> up;
  for (int i = 0; i < kSize; ++i) {
    if (nodes_[i].proc && !nodes_[i].frozen)
      up.push_back(i);
  }
  if (up.empty())
    return false;
  std::string leader;
  for (int i : up) {
    // /healthz is "ok" once JetStream is current with the meta leader.
    if (string_at(get_json(nodes_[i].http_port, "/healthz"), {"status"}) != "ok")
      return false;
    const std::string seen =
        string_at(get_json(nodes_[i].http_port, "/jsz"), {"meta_cluster", "leader"});
    if (seen.empty() || (!leader.empty() && seen != leader))
      return false;
    leader = seen;
  }
  int leader_index = -1;
  for (int i : up) {
    if (name(i) == leader)
      leader_index = i;
  }
  if (leader_index < 0)
    return false;  // a leader that is down (not yet noticed by the others)
  // Only the leader lists the peers, and sees whether each is caught up.
  const boost::json::value jsz = get_json(nodes_[leader_index].http_port, "/jsz");
  if (string_at(jsz, {"meta_cluster", "leader"}) != leader)
    return false;
  const auto* replicas = jsz.at("meta_cluster").as_object().if_contains("replicas");
  for (int i : up) {
    if (i == leader_index)
      continue;
    bool current = false;
    if (replicas != nullptr && replicas->is_array()) {
      for (const auto& r : replicas->as_array()) {
        if (string_at(r, {"name"}) == name(i) && r.at("current").is_bool())
          current = r.at("current").as_bool();
      }
    }
    if (!current)
      return false;
  }
  return true;
}

bool NatsCluster::wait_ready(std::chrono::milliseconds timeout) {
  return poll_until([this] { return ready_now(); }, timeout, std::chrono::milliseconds(100));
}

}  // namespace orderly::testing
