// W3C Trace Context against a real `orderly serve`: the traceparent a
// request brings (or a new trace), the one every answer carries, the trace
// id in the access log and as the correlation id of the events the
// request's commands appended, found again by `orderly replay --correlation`.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "api/rest/trace_context.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"
#include "tests/support/process.h"
#include "tests/support/shop_requests.h"

namespace orderly::testing {
namespace {

namespace json = boost::json;
using api::rest::parse_traceparent;

const std::string kOrderly = ORDERLY_BINARY;
constexpr const char* kTrace = "0af7651916cd43dd8448eb211c80319c";
constexpr const char* kParent = "b7ad6b7169203331";

std::vector<json::object> json_lines(const std::string& text) {
  std::vector<json::object> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty())
      out.push_back(json::parse(line).as_object());
  }
  return out;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("tracing: a traceparent's trace id answers, is logged, and correlates the events") {
  OrderlyServer server({}, {.log_file = "serve.log"});
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  const std::string cup = product_id(c, "espresso");

  const std::string sent = std::string("00-") + kTrace + "-" + kParent + "-01";
  const HttpResult placed =
      c.send("POST", "/api/orders", ada.access_token,
             R"({"items":[{"product_id":")" + cup + R"(","quantity":1}]})",
             {{"traceparent", sent}, {"tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}});
  REQUIRE(placed.status == 201);
  const std::string order_id = str(placed.json().as_object().at("order"), "id");
  const auto answered = parse_traceparent(placed.header("traceparent"));
  REQUIRE(answered);
  CHECK(answered->trace_id == kTrace);
  CHECK(answered->parent_id != kParent);  // the server's own span
  CHECK(answered->flags == 1);
  CHECK(placed.header("tracestate") == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");

  // Another order without a traceparent: a trace (and correlation) of its own.
  const HttpResult other = order_one(c, ada, cup);
  REQUIRE(other.status == 201);
  const auto other_trace = parse_traceparent(other.header("traceparent"));
  REQUIRE(other_trace);
  CHECK(other_trace->trace_id != kTrace);
  CHECK(other.header("tracestate").empty());

  REQUIRE(server.stop() == 0);
  // The access log line of the request names its trace.
  const std::string log = file_text(server.log_file());
  const size_t line_at = log.find(std::string("trace=") + kTrace);
  REQUIRE(line_at != std::string::npos);
  const size_t begin = log.rfind('\n', line_at) + 1;
  const std::string line = log.substr(begin, log.find('\n', line_at) - begin);
  CAPTURE(line);
  CHECK(line.find("request POST /api/orders 201") != std::string::npos);
  CHECK(log.find("trace=" + other_trace->trace_id) != std::string::npos);

  const RunResult replay =
      run_command({kOrderly, "replay", "--data-dir", server.data_dir(), "--correlation", kTrace});
  REQUIRE(replay.exit_code == 0);
  const auto events = json_lines(replay.output);
  REQUIRE_FALSE(events.empty());
  bool order_placed = false;
  for (const auto& ev : events) {
    CAPTURE(json::serialize(ev));
    CHECK(str(ev, "correlation_id") == kTrace);
    // Only the order's events: nothing of the registration or the other order.
    CHECK(str(ev, "stream") == "order-" + order_id);
    order_placed = order_placed || str(ev, "type") == "order.placed";
  }
  CHECK(order_placed);
  // ...and every event of that correlation in the whole log.
  const auto all =
      json_lines(run_command({kOrderly, "replay", "--data-dir", server.data_dir()}).output);
  size_t correlated = 0, other_correlated = 0;
  for (const auto& ev : all) {
    if (ev.at("correlation_id").is_string() && str(ev, "correlation_id") == kTrace)
      ++correlated;
    if (ev.at("correlation_id").is_string() && str(ev, "correlation_id") == other_trace->trace_id)
      ++other_correlated;
  }
  CHECK(correlated == events.size());
  CHECK(other_correlated >= 1);
  CHECK(all.size() > events.size());
}

TEST_CASE("tracing: an invalid traceparent gets a new trace, every answer carries one") {
  OrderlyServer server;
  HttpClient c = server.client();
  for (const std::string& bad :
       {std::string("00-") + std::string(32, '0') + "-" + kParent + "-01",
        std::string("00-") + kTrace + "-" + kParent + "-01-extra",
        std::string("00-") + "0AF7651916CD43DD8448EB211C80319C" + "-" + kParent + "-01",
        std::string("not a traceparent")}) {
    CAPTURE(bad);
    const HttpResult r =
        c.request("GET", "/health", "", {{"traceparent", bad}, {"tracestate", "congo=1"}});
    REQUIRE(r.status == 200);
    const auto answered = parse_traceparent(r.header("traceparent"));
    REQUIRE(answered);
    CHECK(answered->trace_id != kTrace);
    CHECK(answered->trace_id != std::string(32, '0'));
    CHECK(r.header("tracestate").empty());  // dropped with the traceparent
  }
  // Errors too, and two answers never share a new trace.
  const HttpResult missing = c.request("GET", "/api/no-such-route");
  CHECK(missing.status == 404);
  const auto a = parse_traceparent(missing.header("traceparent"));
  const auto b = parse_traceparent(c.request("GET", "/health").header("traceparent"));
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->trace_id != b->trace_id);
}

TEST_CASE("tracing: replay --correlation refuses what is not a trace id") {
  OrderlyServer server({}, {.start = false});
  for (const std::string& bad : {std::string("abc"), std::string(32, '0'),
                                 std::string("0AF7651916CD43DD8448EB211C80319C")}) {
    CAPTURE(bad);
    CHECK(run_command({kOrderly, "replay", "--data-dir", server.data_dir(), "--correlation", bad})
              .exit_code == 2);
  }
}

}  // namespace
}  // namespace orderly::testing
