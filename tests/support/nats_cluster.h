// Three `nats-server -js` in one JetStream cluster on free loopback ports,
// each with its own store, for the replication tests (issue 25). Any server
// can be killed and restarted on the same ports and store, or frozen and
// thawed; every process is stopped by its PID when the cluster is dropped.
//
// Thread safety: one test thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace orderly::testing {

class NatsCluster {
 public:
  static constexpr int kSize = 3;

  // Starts all three (stores under `dir`, which must exist); does not wait
  // for the cluster to form: see wait_ready.
  explicit NatsCluster(std::string dir);
  ~NatsCluster();
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  // "nats://127.0.0.1:p1,nats://127.0.0.1:p2,nats://127.0.0.1:p3": what a
  // client connects to, so it can fail over to any of them.
  std::string urls() const;
  // REQUIRES: 0 <= i < kSize (as for every method taking i).
  std::string url(int i) const;
  // The server name, "n1".."n3" (`i` + 1).
  std::string name(int i) const { return "n" + std::to_string(i + 1); }

  // SIGKILL and reap; a no-op on a server that is not running.
  void kill(int i);
  // (Re)starts a stopped server on the same ports and store, and waits until
  // it accepts clients. A no-op on a running one.
  void start(int i);
  // SIGSTOP: the process keeps its sockets open and answers nothing, as a
  // server stuck in a long pause or behind a partition would. Returns once
  // every thread of it has stopped.
  void freeze(int i);
  void thaw(int i);
  bool running(int i) const { return nodes_[i].proc != nullptr; }
  // The server's PID (-1 when it is not running): for the benchmark's CPU.
  int pid(int i) const { return nodes_[i].proc ? nodes_[i].proc->pid() : -1; }

  // Waits until every running, unfrozen server answers /healthz "ok", all of
  // them name the same JetStream meta leader, that leader is one of them and
  // itself sees every other of them as a current peer. False on timeout
  // (e.g. with two of three down, when no leader can be elected).
  bool wait_ready(std::chrono::milliseconds timeout);

 private:
  struct Node {
    uint16_t client_port = 0;
    uint16_t cluster_port = 0;
    uint16_t http_port = 0;
    std::string store;
    std::unique_ptr<ChildProcess> proc;
    bool frozen = false;
  };
  std::vector<std::string> argv(int i) const;
  bool ready_now();

  std::string dir_;
  Node nodes_[kSize];
};

}  // namespace orderly::testing
