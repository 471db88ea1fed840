// ops/payment_simulator.py as a child process for the tests: `serve
// --port 0` (or a port given, to start it again where the engine expects
// it), run with /usr/bin/python3, the address read from its first line,
// its webhook secrets in a file of its own, stopped by its PID with SIGTERM
// (stop) at the end of the scope.
// REQUIRES: ORDERLY_PYTHON and ORDERLY_PAYMENT_SIMULATOR defined for the
// test target.
#pragma once

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace orderly::testing {

class PaymentSimulator {
 public:
  static constexpr const char* kSecret = "whsec_simulator_test_0123456789";

  // `flags` after --webhook-url and --secret-file (--delay-ms, chaos, ...);
  // `port` 0 for a free one (an engine started before it already names
  // the port it will listen on in --payment-provider-url).
  PaymentSimulator(std::string webhook_url, std::vector<std::string> flags = {}, uint16_t port = 0)
      : webhook_url_(std::move(webhook_url)), flags_(std::move(flags)), port_(port) {
    std::ofstream(secret_file()) << kSecret << "\n";
    start();
  }
  ~PaymentSimulator() {
    if (running())
      stop();
  }

  // Starts it on `port` (0: the one it had, or a free one the first time).
  // REQUIRES: !running()
  void start(uint16_t port = 0) {
    if (port == 0)
      port = port_;
    std::vector<std::string> argv = {ORDERLY_PYTHON, ORDERLY_PAYMENT_SIMULATOR, "serve",
                                     "--port",       std::to_string(port),      "--webhook-url",
                                     webhook_url_,   "--secret-file",           secret_file()};
    argv.insert(argv.end(), flags_.begin(), flags_.end());
    process_ = std::make_unique<ChildProcess>(with_stderr_to(dir_.sub("simulator.log"), argv));
    const auto line = process_->read_line(std::chrono::seconds(30));
    REQUIRE_MESSAGE(line.has_value(), "the simulator did not start: " << log());
    const std::string prefix = "listening on http://127.0.0.1:";
    REQUIRE_MESSAGE(line->starts_with(prefix), *line);
    port_ = static_cast<uint16_t>(std::stoi(line->substr(prefix.size())));
  }
  // SIGTERM; its exit status (0: it stopped cleanly).
  int stop() {
    process_->terminate();
    const int status = process_->wait();
    process_.reset();
    return status;
  }
  bool running() const { return process_ != nullptr; }
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string secret_file() const { return dir_.sub("webhook.secret"); }
  const TempDir& dir() const { return dir_; }
  std::string log() const {
    std::ifstream in(dir_.sub("simulator.log"));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  HttpClient client() const { return HttpClient(port_); }
  // POST /_control/webhook-url: its webhooks go to `url` from now on.
  void send_webhooks_to(const std::string& url) const {
    const auto answer = client().request("POST", "/_control/webhook-url",
                                         boost::json::serialize(boost::json::object{{"url", url}}));
    REQUIRE(answer.status == 200);
  }
  // GET /_control/<what> (intents, refunds, deliveries): its items.
  boost::json::array control(const std::string& what) const {
    auto answer = client().request("GET", "/_control/" + what);
    REQUIRE(answer.status == 200);
    return answer.json().at("items").as_array();
  }

 private:
  TempDir dir_;
  std::string webhook_url_;
  std::vector<std::string> flags_;
  uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace orderly::testing
