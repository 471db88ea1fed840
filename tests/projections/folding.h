// Ways the projection tests fold a log into read models: through a runner
// as the server does, by hand as a replay does, and back out of a snapshot.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "eventstore/store.h"
#include "projections/page.h"
#include "projections/runner.h"

namespace orderly::testing {

// `model` through a ProjectionRunner over `store` until it has applied the
// log's end; stopping the runner saves the model's snapshot in `rows`.
inline void run_to_end(eventstore::EventStore& store, projections::ReadModelStore& rows,
                       projections::Projection& model,
                       std::chrono::seconds within = std::chrono::seconds(60)) {
  projections::ProjectionRunner runner(store, rows, {&model});
  REQUIRE(runner.start().is_ok());
  REQUIRE(runner.wait_for(model.name(), store.last_position(), within));
  REQUIRE(runner.stop().is_ok());
}

// Every event `query` selects (default: the whole log) applied to each of
// `models` in log order, with no runner and no snapshot.
inline void apply_log(eventstore::EventStore& store,
                      const std::vector<projections::Projection*>& models,
                      const eventstore::LogQuery& query = {}) {
  REQUIRE(store
              .scan(query,
                    [&](const EventView& ev) {
                      for (projections::Projection* m : models)
                        m->apply(ev);
                      return true;
                    })
              .is_ok());
}

// The ids of the rows on a read model's page, in page order.
template <typename Row>
std::vector<std::string> ids_of(const projections::Page<Row>& page) {
  std::vector<std::string> out;
  for (const auto& row : page.items)
    out.push_back(row.id);
  return out;
}

// A new Model loaded from the snapshot `model` saves.
template <typename Model>
std::unique_ptr<Model> through_snapshot(const Model& model) {
  BinaryWriter out;
  model.save(out);
  const std::string bytes = out.take();
  BinaryReader in(bytes);
  auto loaded = std::make_unique<Model>();
  REQUIRE(loaded->load(in).is_ok());
  return loaded;
}

}  // namespace orderly::testing
