// What the fault tests share: waiting on a condition, a process's resident
// memory, and placing or cancelling an order with everything the answer
// says. (The nats-server they freeze and kill is tests/support/services.h's
// NatsServer; the server's log is kept in a file by OrderlyServer's
// Options::log_file.)
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/free_port.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/process.h"
#include "tests/support/services.h"
#include "tests/support/shop_requests.h"
#include "tests/support/wait_until.h"

namespace orderly::testing {

// Polls `done` every 50 ms until it holds or the time is up; its last answer.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  return poll_until(done, timeout, std::chrono::milliseconds(50));
}

// How many files a directory holds (a Maildir's new/ while mail arrives):
// cheaper to poll than reading every message.
inline size_t files_in(const std::string& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

inline bool process_alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

inline double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// One order command's answer: 201 with the order, or 202 (durable, the read
// model behind) with its stream; `position` is the log position of its event.
struct OrderAnswer {
  int status = 0;
  std::string id;  // "" unless acknowledged
  uint64_t position = 0;
  double ms = 0;
  std::string code;  // problem+json code of a refusal
  bool acknowledged() const { return (status == 201 || status == 202 || status == 200); }
};

inline OrderAnswer read_order_answer(const HttpResult& r, double ms) {
  OrderAnswer a;
  a.status = r.status;
  a.ms = ms;
  const json::value v = r.json();
  if (!v.is_object())
    return a;
  const auto& o = v.as_object();
  if (o.contains("code") && o.at("code").is_string())
    a.code = json::value_to<std::string>(o.at("code"));
  if (!a.acknowledged())
    return a;
  if (o.contains("order")) {
    a.id = str(o.at("order"), "id");
  } else if (o.contains(
                 "stream")) {  // 202: {"status":"accepted","position":n,"stream":"order-<id>"}
    const std::string stream = str(v, "stream");
    if (stream.rfind("order-", 0) == 0)
      a.id = stream.substr(6);
  }
  const std::string pos = r.header("x-log-position");
  if (!pos.empty())
    a.position = std::stoull(pos);
  return a;
}

inline OrderAnswer place_order(HttpClient& c, const std::string& token, const std::string& product,
                               const std::string& shipping_address = "",
                               const std::string& idempotency_key = "") {
  std::string body = R"({"items":[{"product_id":")" + product + R"(","quantity":1}])";
  if (!shipping_address.empty())
    body += R"(,"shipping_address":")" + shipping_address + "\"";
  body += "}";
  std::vector<std::pair<std::string, std::string>> headers;
  if (!idempotency_key.empty())
    headers.emplace_back("Idempotency-Key", idempotency_key);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = c.send("POST", "/api/orders", token, body, headers);
  return read_order_answer(r, ms_since(t0));
}

inline OrderAnswer cancel_order(HttpClient& c, const std::string& token, const std::string& order) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = c.send("POST", "/api/orders/" + order + "/cancel", token);
  OrderAnswer a = read_order_answer(r, ms_since(t0));
  if (a.acknowledged() && a.id.empty())
    a.id = order;
  return a;
}

// The demo catalog's espresso cup, restocked by the admin so that no load
// in these tests runs out of it.
inline std::string restocked_cup(const OrderlyServer& server, int64_t stock = 1'000'000) {
  HttpClient c = server.client();
  const std::string cup = product_id(c, "espresso");
  auto r = c.send("PUT", "/api/products/" + cup + "/stock", server.admin().access_token,
                  R"({"stock":)" + std::to_string(stock) + "}");
  if (r.status != 200)
    throw std::runtime_error("restocking failed: " + r.body);
  return cup;
}

// The p-th percentile (0-100) of `v` (sorted in place); 0 when empty.
inline double percentile(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  const size_t at = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * v.size()));
  return v[at];
}

}  // namespace orderly::testing
