// The OpenAPI document covers every route the server has, with an example
// for every JSON answer, so it cannot silently fall behind the code.
#include <doctest/doctest.h>

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "api/api.h"
#include "commands/analytics_recorder.h"
#include "projections/registry.h"
#include "tests/support/temp_dir.h"

extern const char kEmbedded_openapi_json[];

using namespace orderly;

TEST_CASE("openapi: every route is documented, every documented path is a route") {
  testing::TempDir dir;
  auto store = std::move(eventstore::EventStore::open(dir.sub("data")).value());
  auto processor = std::move(commands::CommandProcessor::start(*store).value());
  auto rows = std::move(projections::ReadModelStore::open(dir.sub("rows")).value());
  projections::ProjectionRunner runner(*store, *rows, projections::all_read_models_shared());
  commands::AnalyticsRecorder analytics(*processor);
  api::Api http(*store, *processor, runner, analytics, std::string(32, 'k'), {},
                spdlog::default_logger());

  const auto spec = boost::json::parse(kEmbedded_openapi_json).as_object();
  CHECK(spec.at("openapi") == "3.1.0");
  const auto& paths = spec.at("paths").as_object();
  // The WebSocket is served beside the router (Api::websocket_endpoint): it is
  // documented as a GET whose only success is 101, and is not a route.
  const std::string ws_path = http.websocket_endpoint().path;
  REQUIRE(paths.contains(ws_path));
  CHECK(paths.at(ws_path).as_object().size() == 1);
  CHECK(paths.at(ws_path).at("get").at("responses").as_object().contains("101"));
  size_t documented = 0;
  for (const auto& p : paths) {
    if (p.key() != ws_path)
      documented += p.value().as_object().size();
  }
  const auto routes = http.routes();
  CHECK(documented == routes.size());
  for (const auto& [method, pattern] : routes) {
    std::string lower = method;
    for (char& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CAPTURE(method);
    CAPTURE(pattern);
    REQUIRE(paths.contains(pattern));
    REQUIRE(paths.at(pattern).as_object().contains(lower));
    const auto& op = paths.at(pattern).as_object().at(lower).as_object();
    CHECK(op.contains("summary"));
    for (const auto& r : op.at("responses").as_object()) {
      const auto& resp = r.value().as_object();
      if (resp.contains("content") && resp.at("content").as_object().contains("application/json") &&
          r.key().starts_with("2") && pattern != "/ready" && pattern != "/api/openapi.json") {
        CAPTURE(std::string(r.key()));
        CHECK(resp.at("content").at("application/json").as_object().contains("example"));
      }
    }
  }
}
