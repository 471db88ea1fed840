#include "benchmarks/bench/sys_orderly.h"

#include <unistd.h>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <filesystem>
#include <semaphore>

#include "commands/processor.h"
#include "core/schemas/order_events_generated.h"
#include "core/text.h"
#include "eventstore/store.h"
#include "projections/catalog.h"
#include "projections/orders.h"
#include "projections/registry.h"
#include "projections/runner.h"

namespace orderly::bench {

using namespace commands;

// A window of commands at a time.
Status create_catalog(CommandProcessor& writer, const Workload& w) {
  CommandMeta admin;
  admin.role = Role::kAdmin;
  std::counting_semaphore<> window(4096);
  std::atomic<int> failed{0};
  for (int i = 0; i < w.products; ++i) {
    CreateProduct c;
    c.product_id = product_id(w, i);
    c.sku = "SKU-" + std::to_string(i);
    c.name = product_name(i);
    c.description = product_description(i);
    c.category = "category-" + std::to_string(i % 40);
    c.price_cents = price_cents(i);
    c.stock = w.stock;
    window.acquire();
    writer.submit(std::move(c), admin, [&](Result<CommandReply> r) {
      if (!r)
        failed.fetch_add(1);
      window.release();
    });
  }
  for (int i = 0; i < 4096; ++i)
    window.acquire();
  return failed.load() == 0 ? Status::ok() : Status::internal("creating the catalog failed");
}

namespace {

PlaceOrder to_command(const Workload& w, const OrderSpec& o) {
  PlaceOrder p;
  p.order_id = o.order_id;
  for (size_t i = 0; i < 3; ++i)
    p.items.push_back({product_id(w, o.products[i]), o.quantities[i]});
  return p;
}

class OrderlyInProcess final : public System {
 public:
  explicit OrderlyInProcess(bool read_models) : read_models_(read_models) {}
  ~OrderlyInProcess() override { stop(); }
  std::string name() const override { return "orderly"; }
  std::string durability() const override { return "fsync"; }

  Status prepare(const Workload& w) override {
    stop();
    dir_ = make_temp_dir("orderly-bench");
    auto store = eventstore::EventStore::open(dir_, {});  // sync always: fsync per commit
    if (!store)
      return store.status();
    store_ = std::move(*store);
    auto writer = CommandProcessor::start(*store_);
    if (!writer)
      return writer.status();
    writer_ = std::move(*writer);
    workload_ = w;
    ORDERLY_RETURN_IF_ERROR(create_catalog(*writer_, w));
    if (read_models_) {
      auto rows = projections::ReadModelStore::open(dir_ + "/readmodels");
      if (!rows)
        return rows.status();
      rows_ = std::move(*rows);
      runner_ = std::make_unique<projections::ProjectionRunner>(
          *store_, *rows_, projections::all_read_models_shared());
      ORDERLY_RETURN_IF_ERROR(runner_->start());
      if (!runner_->wait_for("catalog", store_->last_position(), std::chrono::minutes(2)))
        return Status::internal("the catalog read model did not catch up");
    }
    return Status::ok();
  }

  bool has_queries() const override { return read_models_; }

  // What the shop's pages ask, from the read models.
  Outcome query(int, const Workload& w, std::mt19937_64& rng) override {
    switch (rng() % 3) {
      case 0: {
        projections::CatalogQuery q;
        q.q = search_words(rng);
        (void)runner_->current_as<projections::CatalogReadModel>("catalog")->list(q);
        break;
      }
      case 1:
        (void)runner_->current_as<projections::CatalogReadModel>("catalog")->get(
            product_id(w, static_cast<int>(rng() % static_cast<uint64_t>(w.products))).to_string());
        break;
      default:
        (void)runner_->current_as<projections::OrdersReadModel>("orders")->list(
            user_id(w, static_cast<int>(rng() % static_cast<uint64_t>(w.users))).to_string(), "", 1,
            20);
    }
    return Outcome::kAccepted;
  }

  Outcome place_order(int, const OrderSpec& o) override {
    CommandMeta meta;
    meta.actor = o.user_id;
    auto r = writer_->execute(to_command(workload_, o), meta);
    if (r)
      return Outcome::kAccepted;
    return r.status().code() == ErrorCode::kInsufficientStock ? Outcome::kRefused : Outcome::kError;
  }

  Status check(const Workload& w, const std::vector<OrderSpec>& accepted) override {
    // What the log holds, folded from its OrderPlaced events.
    absl::flat_hash_map<Uuid, int64_t, UuidHash> totals;
    absl::flat_hash_map<Uuid, int64_t, UuidHash> reserved;
    eventstore::LogQuery q;
    q.types = {EventType::kOrderPlaced};
    Status st = store_->scan(q, [&](const EventView& ev) {
      const auto* e = ev.as<events::OrderPlaced>();
      totals[fb_uuid(e->order_id())] = e->total_cents();
      if (e->lines()) {
        for (const auto* l : *e->lines())
          reserved[fb_uuid(l->product_id())] += l->quantity();
      }
      return true;
    });
    if (!st.is_ok())
      return st;
    int64_t expected_money = 0, logged_money = 0;
    for (const OrderSpec& o : accepted) {
      auto it = totals.find(o.order_id);
      if (it == totals.end())
        return Status::internal("acknowledged order " + o.order_id.to_string() + " is missing");
      if (it->second != order_total(o))
        return Status::internal("order " + o.order_id.to_string() + " has the wrong total");
      expected_money += order_total(o);
    }
    for (const auto& [id, t] : totals)
      logged_money += t;
    if (totals.size() != accepted.size() || logged_money != expected_money)
      return Status::internal("the log holds orders nobody was told about");
    for (const auto& [pid, units] : reserved) {
      if (units > w.stock)
        return Status::internal("product " + pid.to_string() + " is oversold");
    }
    return Status::ok();
  }

  double cpu_seconds() const override { return cpu_seconds_of_self(); }
  double peak_rss_mb() const override { return peak_rss_mb_of_pid(getpid()); }
  void reset_peaks() override { reset_peak_rss_of_pid(getpid()); }

  void stop() override {
    if (runner_)
      (void)runner_->stop();
    if (writer_)
      writer_->stop();
    runner_.reset();
    writer_.reset();
    rows_.reset();
    store_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

 private:
  bool read_models_;
  std::string dir_;
  Workload workload_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<CommandProcessor> writer_;
  std::unique_ptr<projections::ReadModelStore> rows_;
  std::unique_ptr<projections::ProjectionRunner> runner_;
};

}  // namespace

std::unique_ptr<System> make_orderly_in_process(bool read_models) {
  return std::make_unique<OrderlyInProcess>(read_models);
}

std::vector<std::string> capture_order_envelopes(const Workload& w, int n) {
  const std::string dir = make_temp_dir("orderly-bench-capture");
  std::vector<std::string> out;
  {
    eventstore::StoreOptions so;
    so.sync = eventstore::SyncMode::kNone;
    auto store = std::move(eventstore::EventStore::open(dir, so).value());
    auto writer = std::move(CommandProcessor::start(*store).value());
    if (create_catalog(*writer, w).is_ok()) {
      std::mt19937_64 rng(w.seed);
      CommandMeta meta;
      for (int i = 0; i < n; ++i) {
        const OrderSpec o = make_order(w, rng);
        meta.actor = o.user_id;
        (void)writer->execute(to_command(w, o), meta);
      }
    }
    writer->stop();
    eventstore::LogQuery q;
    q.types = {EventType::kOrderPlaced};
    (void)store->scan(q, [&](const EventView& ev) {
      out.emplace_back(reinterpret_cast<const char*>(ev.bytes().data()), ev.bytes().size());
      return true;
    });
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return out;
}

}  // namespace orderly::bench
