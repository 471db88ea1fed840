// Rebuild equivalence: read models maintained live by the runner over a
// random history (snapshotted now and then, and at stop) equal a rebuild
// from scratch; every model's snapshot loads back to the same rows and
// refuses damaged bytes; `orderly rebuild --verify` says so, and catches a
// snapshot that does not match the log.
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
void random_history(const std::string& data, int commands, uint64_t seed,
                    uint64_t snapshot_every = 500'000) {
  auto store = std::move(eventstore::EventStore::open(data).value());
  auto writer = std::move(CommandProcessor::start(*store).value());
  auto rows = std::move(ReadModelStore::open(data + "/readmodels").value());
  auto models = all_read_models();
  std::vector<Projection*> raw;
  for (auto& m : models)
    raw.push_back(m.get());
  RunnerOptions options;
  options.snapshot_every = snapshot_every;
  options.snapshot_interval = std::chrono::milliseconds(0);
  ProjectionRunner runner(*store, *rows, raw, options);
  REQUIRE(runner.start().is_ok());
  std::mt19937_64 rng(seed);
  CommandMeta admin;
  admin.role = Role::kAdmin;
  std::vector<Uuid> products, orders, users{new_id(), new_id(), new_id()};
  std::unordered_map<Uuid, Uuid, UuidHash> owner;
  CommandMeta engine;
  engine.role = Role::kEngine;
  // Registered users (for users and notifications), with a cart each now
  // and then (carts), and payments for some orders (payments).
  for (size_t u = 0; u < users.size(); ++u) {
    const std::string name = "user" + std::to_string(u) + "-" + std::to_string(seed);
    REQUIRE(writer
                ->execute(RegisterUser{users[u], name, name + "@example.com",
                                       "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", "customer"},
                          engine)
                .is_ok());
  }
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
        if (rng() % 4 == 0) {  // paid (or declined) while pending
          const Uuid payment = new_id();
          if (writer->execute(CreatePayment{payment, p.order_id}, user).is_ok())
            (void)writer->execute(
                ConfirmPayment{payment, rng() % 3 ? "pm_card_ok" : "pm_card_declined"}, user);
        }
      }
    } else if (!orders.empty() && r < 85) {
      static constexpr OrderStatus kTo[] = {OrderStatus::kConfirmed, OrderStatus::kShipped,
                                            OrderStatus::kDelivered, OrderStatus::kCancelled};
      (void)writer->execute(ChangeOrderStatus{orders[rng() % orders.size()], kTo[rng() % 4]},
                            admin);
    } else if (r < 89) {
      (void)writer->execute(
          AdjustStock{products[rng() % products.size()], static_cast<int64_t>(rng() % 9) - 4},
          admin);
    } else if (r < 91) {
      CommandMeta user;
      user.actor = users[rng() % users.size()];
      (void)writer->execute(AddToCart{products[rng() % products.size()], 1}, user);
    } else if (r < 95) {
      const Uuid note = new_id();
      const Uuid to = users[rng() % users.size()];
      if (writer
              ->execute(RequestNotification{note, to, "email", "order_placed", "x@example.com",
                                            static_cast<uint64_t>(i + 1)},
                        engine)
              .is_ok()) {
        if (rng() % 2)
          (void)writer->execute(RecordNotificationSent{note}, engine);
        else
          (void)writer->execute(RecordNotificationFailed{note, "refused", true}, engine);
      }
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
  REQUIRE(runner.stop().is_ok());
  writer->stop();
}

// All rows of the model stored under its name, resumed to `to` the way the
// runner resumes it.
Rows stored_rows(ReadModelStore& rows, const eventstore::EventStore& log, std::string_view name,
                 uint64_t to) {
  auto model = make_read_model(name);
  auto at = load_model(rows, *model);
  REQUIRE(at.is_ok());
  REQUIRE(fold_range(log, *model, *at, to).is_ok());
  Rows out = model->rows();
  sort_rows(out);
  return out;
}

void require_same_rows(const Rows& a, const Rows& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i)
    REQUIRE(a[i] == b[i]);
}

// Every read model folded over a random history.
std::vector<std::unique_ptr<Projection>> folded_models(const std::string& data, uint64_t seed) {
  random_history(data, 600, seed);
  eventstore::StoreOptions ro;
  ro.read_only = true;
  auto store = std::move(eventstore::EventStore::open(data, ro).value());
  auto models = all_read_models();
  std::vector<Projection*> raw;
  for (auto& m : models)
    raw.push_back(m.get());
  REQUIRE(fold_from_scratch(*store, raw).is_ok());
  return models;
}

// A random history in its own directory, written and closed, then its
// store and read-model snapshots opened again.
struct ReopenedHistory {
  ReopenedHistory(int commands, uint64_t seed) {
    random_history(data, commands, seed);
    store = std::move(eventstore::EventStore::open(data).value());
    rows = std::move(ReadModelStore::open(data + "/readmodels").value());
    end = store->last_position();
  }
  TempDir dir;
  const std::string data = dir.sub("data");
  std::unique_ptr<eventstore::EventStore> store;
  std::unique_ptr<ReadModelStore> rows;
  uint64_t end = 0;
};

std::string saved(const Projection& m) {
  BinaryWriter out;
  m.save(out);
  return out.take();
}

}  // namespace

TEST_CASE(
    "rebuild equivalence: live read models over random histories equal a rebuild from scratch") {
  for (uint64_t seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    TempDir dir;
    const std::string data = dir.sub("data");
    // Snapshots every 50 events as well as at stop: a restart between any
    // two of them would resume from one.
    random_history(data, 600, seed, /*snapshot_every=*/50);
    eventstore::StoreOptions ro;
    ro.read_only = true;
    auto store = std::move(eventstore::EventStore::open(data, ro).value());
    auto rows = std::move(ReadModelStore::open(data + "/readmodels").value());
    for (auto& model : all_read_models()) {
      CAPTURE(model->name());
      auto at = rows->position(model->name());
      REQUIRE(at.is_ok());
      CHECK(*at == store->last_position());  // saved at stop
      auto rebuilt = rebuild_rows(*store, *model);
      REQUIRE(rebuilt.is_ok());
      sort_rows(*rebuilt);
      require_same_rows(stored_rows(*rows, *store, model->name(), *at), *rebuilt);
    }
  }
}

TEST_CASE("every read model's snapshot loads back to exactly the same rows") {
  TempDir dir;
  auto models = folded_models(dir.sub("data"), 5);
  for (auto& m : models) {
    CAPTURE(m->name());
    Rows before = m->rows();
    CHECK(!before.empty());
    sort_rows(before);
    const std::string bytes = saved(*m);
    auto copy = make_read_model(m->name());
    BinaryReader in(bytes);
    REQUIRE(copy->load(in).is_ok());
    Rows after = copy->rows();
    sort_rows(after);
    require_same_rows(before, after);
    CHECK(saved(*copy).size() == bytes.size());
    // Loading replaces: a second load into the same instance changes nothing.
    BinaryReader again(bytes);
    REQUIRE(copy->load(again).is_ok());
    Rows twice = copy->rows();
    sort_rows(twice);
    require_same_rows(before, twice);
  }
}

TEST_CASE(
    "a damaged snapshot is refused with corruption and leaves an empty model, never a crash") {
  TempDir dir;
  auto models = folded_models(dir.sub("data"), 6);
  std::mt19937_64 rng(6);
  for (auto& m : models) {
    CAPTURE(m->name());
    const std::string bytes = saved(*m);
    auto target = make_read_model(m->name());
    const Rows empty = make_read_model(m->name())->rows();  // a model with nothing folded
    // Every cut short of the whole is refused (a snapshot is read whole).
    const size_t step = std::max<size_t>(1, bytes.size() / 200);
    for (size_t cut = 0; cut < bytes.size(); cut += step) {
      BinaryReader in(std::string_view(bytes).substr(0, cut));
      Status st = target->load(in);
      REQUIRE(st.code() == ErrorCode::kCorruption);
      REQUIRE(target->rows() == empty);
    }
    // A trailing byte, and another format version, are refused too.
    {
      std::string longer = bytes + "x";
      BinaryReader in(longer);
      CHECK(target->load(in).code() == ErrorCode::kCorruption);
      std::string other = bytes;
      other[0] = static_cast<char>(other[0] + 1);
      BinaryReader in2(other);
      CHECK(target->load(in2).code() == ErrorCode::kCorruption);
    }
    // Flipped bytes either load (into some state) or are refused: never a
    // crash or a runaway allocation (ASan and UBSan runs watch this).
    for (int i = 0; i < 300; ++i) {
      std::string flipped = bytes;
      flipped[rng() % flipped.size()] ^= static_cast<char>(1 + rng() % 255);
      BinaryReader in(flipped);
      Status st = target->load(in);
      if (!st.is_ok()) {
        REQUIRE(st.code() == ErrorCode::kCorruption);
        REQUIRE(target->rows() == empty);
      }
    }
  }
}

TEST_CASE("rebuild_into saves every model as of the log's end, equal to rebuild_rows") {
  TempDir dir;
  const std::string data = dir.sub("data");
  random_history(data, 600, 7);
  eventstore::StoreOptions ro;
  ro.read_only = true;
  auto store = std::move(eventstore::EventStore::open(data, ro).value());
  auto out = std::move(ReadModelStore::open(dir.sub("rebuilt")).value());
  auto rebuilt_models = all_read_models();
  std::vector<Projection*> raw;
  for (auto& m : rebuilt_models)
    raw.push_back(m.get());
  auto written = rebuild_into(*store, raw, *out);
  REQUIRE(written.is_ok());
  CHECK(written->size() == raw.size());
  for (auto& model : all_read_models()) {
    CAPTURE(model->name());
    CHECK(*out->position(model->name()) == store->last_position());
    auto built = rebuild_rows(*store, *model);
    REQUIRE(built.is_ok());
    sort_rows(*built);
    require_same_rows(stored_rows(*out, *store, model->name(), store->last_position()), *built);
  }
}

TEST_CASE(
    "orderly rebuild --verify: no difference after a live history, the first differences when "
    "a snapshot does not match the log") {
  TempDir dir;
  const std::string data = dir.sub("data");
  random_history(data, 300, 42);
  auto ok = run_command({ORDERLY_BINARY, "rebuild", "--all", "--verify", "--data-dir", data});
  CHECK(ok.exit_code == 0);
  CHECK(ok.output.find("catalog:") != std::string::npos);
  CHECK(ok.output.find("0 difference(s)") != std::string::npos);
  {
    // The orders model folded without the log's last 40 events, saved as if
    // it had them all: what a snapshot that lies about its position looks like.
    auto store = std::move(eventstore::EventStore::open(data).value());
    auto rows = std::move(ReadModelStore::open(data + "/readmodels").value());
    const uint64_t end = store->last_position();
    REQUIRE(end > 40);
    auto partial = make_read_model("orders");
    REQUIRE(fold_range(*store, *partial, 0, end - 40).is_ok());
    REQUIRE(save_model(*rows, *partial, end).is_ok());
  }
  auto bad = run_command({ORDERLY_BINARY, "rebuild", "--all", "--verify", "--data-dir", data});
  CHECK(bad.exit_code == 1);
  CHECK(bad.output.find("orders: row") != std::string::npos);
  // Rebuilding repairs it.
  CHECK(run_command({ORDERLY_BINARY, "rebuild", "orders", "--data-dir", data}).exit_code == 0);
  CHECK(
      run_command({ORDERLY_BINARY, "rebuild", "--all", "--verify", "--data-dir", data}).exit_code ==
      0);
  CHECK(run_command({ORDERLY_BINARY, "rebuild", "--data-dir", data}).exit_code == 2);
}

TEST_CASE("a damaged read-model snapshot is never loaded: the runner folds that model from 0") {
  const ReopenedHistory h(100, 7);
  REQUIRE(h.rows->save("orders", "not a snapshot", h.end).is_ok());
  auto model = make_read_model("orders");
  ProjectionRunner runner(*h.store, *h.rows, {model.get()});
  REQUIRE(runner.start().is_ok());
  REQUIRE(runner.wait_for("orders", h.end, std::chrono::seconds(60)));
  CHECK(runner.status()[0].last_rebuild.find("snapshot unusable") != std::string::npos);
  REQUIRE(runner.stop().is_ok());
  auto rebuilt = rebuild_rows(*h.store, *make_read_model("orders"));
  REQUIRE(rebuilt.is_ok());
  sort_rows(*rebuilt);
  require_same_rows(stored_rows(*h.rows, *h.store, "orders", h.end), *rebuilt);
}

TEST_CASE(
    "a read model ahead of the log (its lost unsynced tail) starts over instead of waiting "
    "forever") {
  const ReopenedHistory h(100, 9);
  {
    auto full = make_read_model("orders");
    REQUIRE(fold_range(*h.store, *full, 0, h.end).is_ok());
    REQUIRE(save_model(*h.rows, *full, h.end + 100).is_ok());
  }
  auto model = make_read_model("orders");
  ProjectionRunner runner(*h.store, *h.rows, {model.get()});
  REQUIRE(runner.start().is_ok());
  REQUIRE(runner.wait_for("orders", h.end, std::chrono::seconds(60)));
  CHECK(runner.position("orders") == h.end);
  REQUIRE(runner.stop().is_ok());
  CHECK(*h.rows->position("orders") == h.end);  // the one ahead was replaced
  CHECK(runner.start().is_ok());
  CHECK(runner.start().code() == ErrorCode::kInvalidArgument);  // already running
}
