// `orderly notify email|websocket` beside an OrderlyServer, logged in as its
// admin; stopped with SIGTERM (or SIGKILL) by its PID, and by the destructor.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/orderly_server.h"
#include "tests/support/process.h"

namespace orderly::testing {

class NotifierUnderTest {
 public:
  // Starts it (throws when its first line does not say it started).
  NotifierUnderTest(const OrderlyServer& server, std::string channel, std::string nats_url,
                    std::vector<std::string> flags = {});
  ~NotifierUnderTest() { stop(); }
  NotifierUnderTest(const NotifierUnderTest&) = delete;
  NotifierUnderTest& operator=(const NotifierUnderTest&) = delete;

  void start();
  int stop();  // SIGTERM and wait: the exit status (0 when not running)
  void kill();

  // websocket: true once its /health says "ok" (subscribed to JetStream,
  // so no event published from now on is missed), within `timeout`.
  bool wait_subscribed(std::chrono::seconds timeout = std::chrono::seconds(60)) const;

  std::unique_ptr<ChildProcess> proc;
  uint16_t port = 0;  // websocket: where it listens

 private:
  std::string channel_;
  std::vector<std::string> argv_;
};

}  // namespace orderly::testing
