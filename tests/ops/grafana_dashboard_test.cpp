// ops/grafana/orderly.json, the Grafana dashboard: it is a dashboard Grafana
// 9+ imports (panels with ids and places, a Prometheus data source chosen
// by a variable), it has the panels operators look for, and every metric
// name its PromQL uses is one a real `orderly serve` exposes on /metrics
// (with a real nats-server for the fan-out and replication series).
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/orderly_server.h"
#include "tests/support/services.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace orderly::testing {
namespace {

namespace json = boost::json;

json::object dashboard() {
  std::ifstream in(ORDERLY_DASHBOARD);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str()).as_object();
}

// Every panel, rows' nested panels included.
void collect_panels(const json::array& panels, std::vector<json::object>& out) {
  for (const auto& p : panels) {
    out.push_back(p.as_object());
    if (const auto* nested = p.as_object().if_contains("panels"))
      collect_panels(nested->as_array(), out);
  }
}

// The PromQL of every panel target and of the query variables.
std::vector<std::string> expressions(const json::object& d) {
  std::vector<json::object> panels;
  collect_panels(d.at("panels").as_array(), panels);
  std::vector<std::string> out;
  for (const auto& p : panels) {
    if (const auto* targets = p.if_contains("targets")) {
      for (const auto& t : targets->as_array())
        out.emplace_back(t.as_object().at("expr").as_string());
    }
  }
  for (const auto& v : d.at("templating").as_object().at("list").as_array()) {
    if (v.as_object().at("type").as_string() == "query")
      out.emplace_back(v.as_object().at("definition").as_string());
  }
  return out;
}

// The metric names in PromQL: identifiers not followed by '(' (functions)
// and not inside {} or after `by`/`without` (labels), which in this
// engine all start with orderly_.
std::set<std::string> metric_names(const std::vector<std::string>& exprs) {
  std::set<std::string> names;
  static const std::regex kName(R"((^|[^A-Za-z0-9_:"$])(orderly_[A-Za-z0-9_:]*))");
  for (const auto& e : exprs) {
    for (auto it = std::sregex_iterator(e.begin(), e.end(), kName); it != std::sregex_iterator();
         ++it)
      names.insert((*it)[2].str());
  }
  return names;
}

// Whether /metrics text has a series of that name, or the histogram it is
// the _bucket, _sum or _count of (or whose _bucket a base name means).
bool exposes(const std::string& text, const std::string& name) {
  auto has_series = [&](const std::string& n) {
    for (const char* after : {" ", "{"}) {
      const std::string key = n + after;
      if (text.rfind(key, 0) == 0 || text.find("\n" + key) != std::string::npos)
        return true;
    }
    return false;
  };
  return has_series(name) || has_series(name + "_bucket");
}

TEST_CASE(
    "grafana dashboard: importable, a Prometheus data source variable, the panels asked for") {
  const json::object d = dashboard();
  CHECK(d.at("title").as_string() == "Orderly");
  CHECK(!d.at("uid").as_string().empty());
  CHECK(d.at("schemaVersion").as_int64() >= 36);  // Grafana 9.0
  bool datasource_variable = false;
  for (const auto& v : d.at("templating").as_object().at("list").as_array()) {
    const auto& o = v.as_object();
    if (o.at("type").as_string() == "datasource" && o.at("name").as_string() == "datasource")
      datasource_variable = o.at("query").as_string() == "prometheus";
  }
  CHECK(datasource_variable);
  std::vector<json::object> panels;
  collect_panels(d.at("panels").as_array(), panels);
  std::set<int64_t> ids;
  for (const auto& p : panels) {
    CAPTURE(json::serialize(p.at("title")));
    ids.insert(p.at("id").as_int64());
    CHECK(p.at("gridPos").as_object().contains("w"));
    if (p.at("type").as_string() == "row")
      continue;
    CHECK(p.at("datasource").as_object().at("uid").as_string() == "${datasource}");
    CHECK(!p.at("targets").as_array().empty());
  }
  CHECK(ids.size() == panels.size());  // ids are unique

  const std::set<std::string> used = metric_names(expressions(d));
  for (const char* wanted : {
           "orderly_commands_total",                   // commands per second
           "orderly_command_duration_seconds_bucket",  // command latency p99
           "orderly_fsync_duration_seconds_bucket",    // fsync time
           "orderly_command_queue_depth",              // writer queue depth
           "orderly_projection_lag",                   // projection lag
           "orderly_fanout_lag",                       // fan-out lag
           "orderly_email_failed_attempts_total",      // notifier failures
           "orderly_replication_leader",               // replication role
           "orderly_replication_lag_messages",         // replication lag
       }) {
    CAPTURE(wanted);
    CHECK(used.count(wanted) == 1);
  }
}

TEST_CASE("grafana dashboard: every metric it uses is on a real server's /metrics") {
  const std::set<std::string> used = metric_names(expressions(dashboard()));
  REQUIRE(used.size() >= 20);

  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  // --nats-url for the fan-out series, --replicate (one node, one replica)
  // for the replication ones.
  OrderlyServer server({"--nats-url", nats.url(), "--replicate", nats.url(), "--replicas", "1"},
                       {.log_file = "serve.log"});
  HttpClient c = server.client();
  REQUIRE(poll_until(
      [&] {
        const auto h = c.request("GET", "/health");
        return h.status == 200 && h.body.find("\"role\":\"leader\"") != std::string::npos;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(50)));
  // A command through the pipeline (the latency and fsync histograms fill).
  Session admin = server.admin();
  CHECK(c.request("GET", "/api/auth/me", "", {{"authorization", "Bearer " + admin.access_token}})
            .status == 200);

  std::string text;
  std::vector<std::string> missing;
  // The leader's services (fan-out, email notifier) start once it leads.
  poll_until(
      [&] {
        text = c.request("GET", "/metrics").body;
        missing.clear();
        for (const auto& name : used) {
          if (!exposes(text, name))
            missing.push_back(name);
        }
        return missing.empty();
      },
      std::chrono::seconds(30), std::chrono::milliseconds(100));
  for (const auto& name : missing) {
    CAPTURE(text);
    FAIL_CHECK("the dashboard uses " << name << ", which /metrics does not expose");
  }
  CHECK(server.stop() == 0);
}

}  // namespace
}  // namespace orderly::testing
