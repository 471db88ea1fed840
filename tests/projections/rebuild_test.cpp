// Rebuild equivalence: read models maintained live by the runner over a
// random history equal a rebuild from scratch; `orderly rebuild --verify`
// says so, and catches a tampered row.
#include <doctest/doctest.h>

#include <random>

#include "commands/processor.h"
#include "core/ids.h"
#include "projections/registry.h"
#include "projections/runner.h"
#include "tests/support/ids.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

namespace {

// A random shop history through the real writer, with the read models
// following it live.
void random_history(const std::string& data, int commands, uint64_t seed) {
  auto store = std::move(eventstore::EventStore::open(data).value());
  auto writer = std::move(CommandProcessor::start(*store).value());
  auto rows = std::move(ReadModelStore::open(data + "/readmodels").value());
  auto models = all_read_models();
  std::vector<Projection*> raw;
  for (auto& m : models)
    raw.push_back(m.get());
  ProjectionRunner runner(*store, *rows, raw);
  REQUIRE(runner.start().is_ok());
  std::mt19937_64 rng(seed);
  CommandMeta admin;
  admin.role = Role::kAdmin;
  std::vector<Uuid> products, orders, users{new_id(), new_id(), new_id()};
  std::unordered_map<Uuid, Uuid, UuidHash> owner;
  for (int i = 0; i < commands; ++i) {
    const int r = static_cast<int>(rng() % 100);
    if (products.size() < 3 || r < 8) {
      CreateProduct c;
      c.product_id = new_id();
      c.sku = "S" + std::to_string(rng());
      c.name = "Product " + std::to_string(products.size());
      c.category = rng() % 2 ? "kitchen" : "garden";
      c.price_cents = static_cast<int64_t>(rng() % 5000);
      c.stock = static_cast<int64_t>(rng() % 30);
      if (writer->execute(c, admin).is_ok())
        products.push_back(c.product_id);
    } else if (r < 50) {
      CommandMeta user;
      user.actor = users[rng() % users.size()];
      PlaceOrder p{new_id(),
                   {{products[rng() % products.size()], 1 + static_cast<int64_t>(rng() % 3)}},
                   "",
                   900'000'000};
      if (writer->execute(p, user).is_ok()) {
        orders.push_back(p.order_id);
        owner[p.order_id] = user.actor;
      }
    } else if (!orders.empty() && r < 85) {
      static constexpr OrderStatus kTo[] = {OrderStatus::kConfirmed, OrderStatus::kShipped,
                                            OrderStatus::kDelivered, OrderStatus::kCancelled};
      (void)writer->execute(ChangeOrderStatus{orders[rng() % orders.size()], kTo[rng() % 4]},
                            admin);
    } else if (r < 95) {
      (void)writer->execute(
          AdjustStock{products[rng() % products.size()], static_cast<int64_t>(rng() % 9) - 4},
          admin);
    } else {
      UpdateProduct u;
      u.product_id = products[rng() % products.size()];
      u.name = "Renamed " + std::to_string(i);
      u.price_cents = static_cast<int64_t>(rng() % 5000);
      (void)writer->execute(u, admin);
    }
  }
  for (auto& m : models)
    REQUIRE(runner.wait_for(m->name(), store->last_position(), std::chrono::seconds(120)));
  runner.stop();
  writer->stop();
}

}  // namespace

TEST_CASE(
    "rebuild equivalence: live read models over random histories equal a rebuild from scratch") {
  for (uint64_t seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    TempDir dir;
    const std::string data = dir.sub("data");
    random_history(data, 600, seed);
    eventstore::StoreOptions ro;
    ro.read_only = true;
    auto store = std::move(eventstore::EventStore::open(data, ro).value());
    auto rows = std::move(ReadModelStore::open(data + "/readmodels").value());
    for (auto& model : all_read_models()) {
      RowChanges stored;
      REQUIRE(rows->scan(model->name(),
                         [&](std::string_view k, std::string_view v) {
                           stored.emplace_back(std::string(k), std::string(v));
                         })
                  .is_ok());
      auto rebuilt = rebuild_rows(*store, *model);
      REQUIRE(rebuilt.is_ok());
      sort_rows(*rebuilt);
      CAPTURE(model->name());
      REQUIRE(stored.size() == rebuilt->size());
      for (size_t i = 0; i < stored.size(); ++i)
        REQUIRE(stored[i] == (*rebuilt)[i]);
    }
  }
}

TEST_CASE("rebuild_into writes in small chunks exactly the rows rebuild_rows builds") {
  TempDir dir;
  const std::string data = dir.sub("data");
  random_history(data, 600, 7);
  eventstore::StoreOptions ro;
  ro.read_only = true;
  auto store = std::move(eventstore::EventStore::open(data, ro).value());
  auto out = std::move(ReadModelStore::open(dir.sub("rebuilt")).value());
  auto streamed_models = all_read_models();
  std::vector<Projection*> raw;
  for (auto& m : streamed_models)
    raw.push_back(m.get());
  auto written = rebuild_into(*store, raw, *out);
  REQUIRE(written.is_ok());
  for (auto& model : all_read_models()) {
    CAPTURE(model->name());
    auto built = rebuild_rows(*store, *model);
    REQUIRE(built.is_ok());
    sort_rows(*built);
    RowChanges stored;
    REQUIRE(out->scan(model->name(),
                      [&](std::string_view k, std::string_view v) {
                        stored.emplace_back(std::string(k), std::string(v));
                      })
                .is_ok());
    REQUIRE(stored.size() == built->size());
    for (size_t i = 0; i < stored.size(); ++i)
      REQUIRE(stored[i] == (*built)[i]);
    auto checkpoint = out->checkpoint(model->name());
    REQUIRE(checkpoint.is_ok());
    CHECK(*checkpoint == store->last_position());
  }
  CHECK(written->size() == raw.size());
}

TEST_CASE("take_changes_chunk hands out every changed row once, a few at a time") {
  TempDir dir;
  const std::string data = dir.sub("data");
  random_history(data, 600, 11);
  eventstore::StoreOptions ro;
  ro.read_only = true;
  auto store = std::move(eventstore::EventStore::open(data, ro).value());
  for (const char* name : {"catalog", "orders", "stats"}) {
    CAPTURE(name);
    auto whole = make_read_model(name);
    auto chunked = make_read_model(name);
    for (Projection* m : {whole.get(), chunked.get()}) {
      REQUIRE(store
                  ->scan({},
                         [&](const EventView& ev) {
                           m->apply(ev);
                           return true;
                         })
                  .is_ok());
    }
    RowChanges expected = whole->take_changes();
    RowChanges got;
    size_t chunks = 0;
    for (RowChanges c = chunked->take_changes_chunk(7); !c.empty();
         c = chunked->take_changes_chunk(7)) {
      ++chunks;
      got.insert(got.end(), c.begin(), c.end());
    }
    CHECK(chunks > 1);
    sort_rows(expected);
    sort_rows(got);
    REQUIRE(got.size() == expected.size());
    for (size_t i = 0; i < got.size(); ++i)
      REQUIRE(got[i] == expected[i]);
  }
}

TEST_CASE(
    "orderly rebuild --verify: no difference after a live history, the first differences when "
    "tampered") {
  TempDir dir;
  const std::string data = dir.sub("data");
  random_history(data, 300, 42);
  auto ok = run_command({ORDERLY_BINARY, "rebuild", "--all", "--verify", "--data-dir", data});
  CHECK(ok.exit_code == 0);
  CHECK(ok.output.find("catalog:") != std::string::npos);
  CHECK(ok.output.find("0 difference(s)") != std::string::npos);
  {
    auto rows = std::move(ReadModelStore::open(data + "/readmodels").value());
    std::string key;
    REQUIRE(rows->scan("orders",
                       [&](std::string_view k, std::string_view) {
                         if (key.empty() && k.starts_with("o/"))
                           key = k;
                       })
                .is_ok());
    REQUIRE(!key.empty());
    const uint64_t at = *rows->checkpoint("orders");
    REQUIRE(rows->commit("orders", {{key, std::string("{\"tampered\":true}")}}, at).is_ok());
  }
  auto bad = run_command({ORDERLY_BINARY, "rebuild", "--all", "--verify", "--data-dir", data});
  CHECK(bad.exit_code == 1);
  CHECK(bad.output.find("differs") != std::string::npos);
  // Rebuilding repairs it.
  CHECK(run_command({ORDERLY_BINARY, "rebuild", "orders", "--data-dir", data}).exit_code == 0);
  CHECK(
      run_command({ORDERLY_BINARY, "rebuild", "--all", "--verify", "--data-dir", data}).exit_code ==
      0);
  CHECK(run_command({ORDERLY_BINARY, "rebuild", "--data-dir", data}).exit_code == 2);
}

TEST_CASE("an interrupted rebuild is never loaded as a read model: the runner starts it over") {
  TempDir dir;
  const std::string data = dir.sub("data");
  random_history(data, 100, 7);
  auto store = std::move(eventstore::EventStore::open(data).value());
  auto rows = std::move(ReadModelStore::open(data + "/readmodels").value());
  // Half-written rows under the incomplete marker, as a crash mid-rebuild leaves them.
  REQUIRE(rows->drop("orders").is_ok());
  REQUIRE(
      rows->commit("orders", {{"o/garbage", std::string("{}")}}, kIncompleteCheckpoint).is_ok());
  auto model = make_read_model("orders");
  ProjectionRunner runner(*store, *rows, {model.get()});
  REQUIRE(runner.start().is_ok());
  REQUIRE(runner.wait_for("orders", store->last_position(), std::chrono::seconds(60)));
  runner.stop();
  bool garbage = false;
  REQUIRE(rows->scan("orders",
                     [&](std::string_view k, std::string_view) { garbage |= k == "o/garbage"; })
              .is_ok());
  CHECK_FALSE(garbage);
}

TEST_CASE(
    "a read model ahead of the log (its lost unsynced tail) starts over instead of waiting "
    "forever") {
  TempDir dir;
  const std::string data = dir.sub("data");
  random_history(data, 100, 9);
  auto store = std::move(eventstore::EventStore::open(data).value());
  auto rows = std::move(ReadModelStore::open(data + "/readmodels").value());
  const uint64_t end = store->last_position();
  REQUIRE(rows->commit("orders", {{"o/phantom", std::string("{}")}}, end + 100).is_ok());
  auto model = make_read_model("orders");
  ProjectionRunner runner(*store, *rows, {model.get()});
  REQUIRE(runner.start().is_ok());
  REQUIRE(runner.wait_for("orders", end, std::chrono::seconds(60)));
  CHECK(runner.position("orders") == end);
  runner.stop();
  bool phantom = false;
  REQUIRE(rows->scan("orders",
                     [&](std::string_view k, std::string_view) { phantom |= k == "o/phantom"; })
              .is_ok());
  CHECK_FALSE(phantom);
  CHECK(runner.start().is_ok());
  CHECK(runner.start().code() == ErrorCode::kInvalidArgument);  // already running
}
