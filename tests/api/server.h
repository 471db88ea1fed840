// A real `orderly serve` on a free loopback port for the API tests, with an
// admin created beforehand; stopped with SIGTERM (or SIGKILL) by its PID.
#pragma once

#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/orderly_binary.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace orderly::testing {

namespace json = boost::json;

struct Session {
  std::string id, access_token, refresh_token;
};

class ServerUnderTest {
 public:
  explicit ServerUnderTest(std::vector<std::string> flags = {}) : flags_(std::move(flags)) {
    data = dir.sub("data");
    std::ofstream(dir.path() + "/admin.pw") << "admin-password-1";
    auto made = run_command({orderly_binary(), "admin", "create-user", "--data-dir", data,
                             "--username", "admin", "--email", "admin@example.com",
                             "--password-file", dir.path() + "/admin.pw"});
    if (made.exit_code != 0)
      throw std::runtime_error("admin create-user failed: " + made.output);
    start();
  }
  ~ServerUnderTest() { stop(); }

  void start() {
    std::vector<std::string> argv = {orderly_binary(), "serve",       "--data-dir",   data,
                                     "--http-address", "127.0.0.1:0", "--log-format", "json"};
    argv.insert(argv.end(), flags_.begin(), flags_.end());
    proc = std::make_unique<ChildProcess>(argv);
    auto line = proc->read_line(std::chrono::seconds(120));
    const std::string marker = "http://127.0.0.1:";
    const size_t at = line ? line->find(marker) : std::string::npos;
    if (at == std::string::npos)
      throw std::runtime_error("orderly serve did not start");
    port = static_cast<uint16_t>(std::stoi(line->substr(at + marker.size())));
  }
  // SIGTERM and wait: the exit status.
  int stop() {
    if (!proc)
      return 0;
    proc->terminate();
    const int status = proc->wait();
    proc.reset();
    return status;
  }
  void kill() {
    if (proc) {
      proc->kill_hard();
      proc->wait();
      proc.reset();
    }
  }

  HttpClient client() const { return HttpClient(port); }

  Session login(const std::string& email, const std::string& password) const {
    HttpClient c(port);
    auto r = c.send("POST", "/api/auth/login", "",
                    json::serialize(json::object{{"email", email}, {"password", password}}));
    return session_of(r);
  }
  Session admin() const { return login("admin@example.com", "admin-password-1"); }
  Session register_user(const std::string& name) const {
    HttpClient c(port);
    auto r = c.send("POST", "/api/auth/register", "",
                    json::serialize(json::object{{"username", name},
                                                 {"email", name + "@example.com"},
                                                 {"password", "password-of-" + name}}));
    return session_of(r);
  }
  static Session session_of(const HttpResult& r) {
    if (r.status != 200 && r.status != 201)
      throw std::runtime_error("no session: " + std::to_string(r.status) + " " + r.body);
    const json::value v = r.json();
    const auto& o = v.as_object();
    return {json::value_to<std::string>(o.at("user").at("id")),
            json::value_to<std::string>(o.at("access_token")),
            json::value_to<std::string>(o.at("refresh_token"))};
  }

  TempDir dir;
  std::string data;
  std::unique_ptr<ChildProcess> proc;
  uint16_t port = 0;

 private:
  std::vector<std::string> flags_;
};

// `orderly notify email|websocket` beside a ServerUnderTest, logged in as
// its admin; stopped with SIGTERM (or SIGKILL) by its PID.
class NotifierUnderTest {
 public:
  NotifierUnderTest(const ServerUnderTest& server, std::string channel, std::string nats_url,
                    std::vector<std::string> flags = {})
      : channel_(std::move(channel)) {
    argv_ = {orderly_binary(),
             "notify",
             channel_,
             "--data-dir",
             server.dir.path() + "/notifier-" + channel_,
             "--log-format",
             "json",
             "--nats-url",
             std::move(nats_url),
             "--engine-url",
             "http://127.0.0.1:" + std::to_string(server.port),
             "--engine-email",
             "admin@example.com",
             "--engine-password-file",
             server.dir.path() + "/admin.pw"};
    argv_.insert(argv_.end(), flags.begin(), flags.end());
    start();
  }
  ~NotifierUnderTest() { stop(); }

  void start() {
    proc = std::make_unique<ChildProcess>(argv_);
    auto line = proc->read_line(std::chrono::seconds(120));
    if (!line || line->find("orderly notify " + channel_) == std::string::npos)
      throw std::runtime_error("orderly notify " + channel_ + " did not start");
    const std::string marker = "http://127.0.0.1:";
    if (const size_t at = line->find(marker); at != std::string::npos)
      port = static_cast<uint16_t>(std::stoi(line->substr(at + marker.size())));
  }
  int stop() {
    if (!proc)
      return 0;
    proc->terminate();
    const int status = proc->wait();
    proc.reset();
    return status;
  }
  void kill() {
    if (proc) {
      proc->kill_hard();
      proc->wait();
      proc.reset();
    }
  }

  // websocket: true once its /health says "ok" (subscribed to JetStream,
  // so no event published from now on is missed), within `timeout`.
  bool wait_subscribed(std::chrono::seconds timeout = std::chrono::seconds(60)) const {
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

  std::unique_ptr<ChildProcess> proc;
  uint16_t port = 0;  // websocket: where it listens

 private:
  std::string channel_;
  std::vector<std::string> argv_;
};

inline std::string str(const json::value& v, std::string_view key) {
  return json::value_to<std::string>(v.as_object().at(key));
}
inline int64_t num(const json::value& v, std::string_view key) {
  return v.as_object().at(key).to_number<int64_t>();
}

}  // namespace orderly::testing
