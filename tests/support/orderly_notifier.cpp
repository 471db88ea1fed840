#include "tests/support/orderly_notifier.h"

#include <boost/json.hpp>

#include <stdexcept>
#include <thread>

#include "tests/support/orderly_binary.h"

namespace orderly::testing {

namespace json = boost::json;

NotifierUnderTest::NotifierUnderTest(const OrderlyServer& server, std::string channel,
                                     std::string nats_url, std::vector<std::string> flags)
    : channel_(std::move(channel)) {
  argv_ = {orderly_binary(),
           "notify",
           channel_,
           "--data-dir",
           server.dir().path() + "/notifier-" + channel_,
           "--log-format",
           "json",
           "--nats-url",
           std::move(nats_url),
           "--engine-url",
           "http://127.0.0.1:" + std::to_string(server.port()),
           "--engine-email",
           OrderlyServer::kAdminEmail,
           "--engine-password-file",
           server.admin_password_file()};
  argv_.insert(argv_.end(), flags.begin(), flags.end());
  start();
}

void NotifierUnderTest::start() {
  proc = std::make_unique<ChildProcess>(argv_);
  auto line = proc->read_line(std::chrono::seconds(120));
  if (!line || line->find("orderly notify " + channel_) == std::string::npos)
    throw std::runtime_error("orderly notify " + channel_ + " did not start");
  const std::string marker = "http://127.0.0.1:";
  if (const size_t at = line->find(marker); at != std::string::npos)
    port = static_cast<uint16_t>(std::stoi(line->substr(at + marker.size())));
}

int NotifierUnderTest::stop() {
  if (!proc)
    return 0;
  proc->terminate();
  const int status = proc->wait();
  proc.reset();
  return status;
}

void NotifierUnderTest::kill() {
  if (proc) {
    proc->kill_hard();
    proc->wait();
    proc.reset();
  }
}

bool NotifierUnderTest::wait_subscribed(std::chrono::seconds timeout) const {
  HttpClient health(port);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto r = health.request("GET", "/health");
    boost::system::error_code ec;
    const json::value v = json::parse(r.body, ec);
    const auto* status = !ec && v.is_object() ? v.as_object().if_contains("status") : nullptr;
    if (status && status->is_string() && status->as_string() == "ok")
      return true;
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace orderly::testing
