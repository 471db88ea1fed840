// The single writer with a real RocksDB store.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <thread>

#include "commands/processor.h"
#include "tests/commands/harness.h"
#include "tests/commands/state_diff.h"
#include "tests/support/faulty_fs.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::eventstore;
using namespace orderly::testing;

namespace {

struct Engine {
  std::unique_ptr<EventStore> store;
  std::unique_ptr<SnapshotStore> snapshots;
  std::unique_ptr<CommandProcessor> processor;

  // With `use_snapshots`, the writer keeps its snapshot in <dir>/snapshots,
  // as `orderly serve` does.
  explicit Engine(const std::string& dir, ProcessorOptions options = {},
                  bool use_snapshots = false) {
    store = std::move(EventStore::open(dir).value());
    if (use_snapshots) {
      snapshots = std::move(SnapshotStore::open(dir + "/snapshots").value());
      options.snapshots = snapshots.get();
    }
    auto p = CommandProcessor::start(*store, std::move(options));
    REQUIRE_MESSAGE(p.is_ok(), p.status().to_string());
    processor = std::move(p).value();
  }
  ~Engine() { close(); }
  void close() {
    if (processor)
      processor->stop();
    processor.reset();
    snapshots.reset();
    if (store)
      REQUIRE(store->close().is_ok());
    store.reset();
  }
  ShopState snapshot() {
    ShopState copy;
    processor->inspect([&](const ShopState& s) { copy = s; });
    return copy;
  }
};

CommandMeta as(const Uuid& actor, Role role = Role::kCustomer) {
  CommandMeta m;
  m.actor = actor;
  m.role = role;
  return m;
}

const Uuid kAdmin = *Uuid::parse("0192f0c1-7e4a-7000-8000-00000000a0a0");

Uuid create_product(CommandProcessor& p, int64_t price, int64_t stock) {
  const CreateProduct c = new_product(price, stock);
  auto r = p.execute(c, as(kAdmin, Role::kAdmin));
  REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  return c.product_id;
}

}  // namespace

TEST_CASE("processor: a shop's day through the single writer, answers carry log positions") {
  TempDir dir;
  Engine e(dir.path());
  const Uuid cup = create_product(*e.processor, 1299, 10);
  const Uuid user = new_id();
  PlaceOrder place;
  place.order_id = new_id();
  place.items = {{cup, 2}};
  auto placed = e.processor->execute(place, as(user));
  REQUIRE_MESSAGE(placed.is_ok(), placed.status().to_string());
  CHECK(placed->stream == "order-" + place.order_id.to_string());
  CHECK(placed->first_position == placed->last_position);    // one event
  CHECK(e.store->last_position() >= placed->last_position);  // durable when answered

  const Uuid payment = new_id();
  REQUIRE(e.processor->execute(CreatePayment{payment, place.order_id}, as(user)).is_ok());
  auto paid = e.processor->execute(ConfirmPayment{payment, "pm_card_ok"}, as(user));
  REQUIRE(paid.is_ok());
  CHECK(paid->last_position == paid->first_position + 1);  // payment + order, one atomic append
  CHECK(paid->last_position > placed->last_position);

  auto refused = e.processor->execute(CancelOrder{place.order_id}, as(new_id()));
  CHECK(refused.status().code() == ErrorCode::kNotFound);
  const ShopState s = e.snapshot();
  CHECK(s.orders.at(place.order_id).status == OrderStatus::kConfirmed);
  CHECK(s.products.at(cup).stock == 8);
  // The log agrees with the writer: each stream's version is the state's.
  CHECK(*e.store->stream_version("order-" + place.order_id.to_string()) == 2);
}

TEST_CASE("processor: idempotency keys answer the first result, also after a restart") {
  for (bool snapshots : {false, true}) {
    CAPTURE(snapshots);
    TempDir dir;
    const Uuid user = new_id();
    Uuid cup;
    CommandReply first;
    auto keyed = [&](uint64_t fingerprint) {
      CommandMeta m = as(user);
      m.idempotency_key = "order-attempt-1";
      m.request_fingerprint = fingerprint;
      return m;
    };
    {
      Engine e(dir.path(), {}, snapshots);
      cup = create_product(*e.processor, 100, 10);
      PlaceOrder place;
      place.order_id = new_id();
      place.items = {{cup, 1}};
      auto r = e.processor->execute(place, keyed(42));
      REQUIRE(r.is_ok());
      first = *r;
      const uint64_t end = e.store->last_position();
      // The retry carries a new order id (the API makes one per request): it
      // still gets the first order back, and nothing is appended.
      place.order_id = new_id();
      auto again = e.processor->execute(place, keyed(42));
      REQUIRE(again.is_ok());
      CHECK(again->duplicate);
      CHECK(again->stream == first.stream);
      CHECK(again->last_position == first.last_position);
      CHECK(e.store->last_position() == end);
      auto reused = e.processor->execute(place, keyed(43));
      CHECK(reused.status().code() == ErrorCode::kIdempotencyKeyReused);
      // Another user's identical key is another key.
      CommandMeta other = keyed(42);
      other.actor = new_id();
      place.order_id = new_id();
      auto theirs = e.processor->execute(place, other);
      REQUIRE(theirs.is_ok());
      CHECK_FALSE(theirs->duplicate);
    }
    Engine e(dir.path(), {}, snapshots);
    CHECK(e.processor->stats().snapshot_position == (snapshots ? e.store->last_position() : 0));
    PlaceOrder place;
    place.order_id = new_id();
    place.items = {{cup, 1}};
    auto after = e.processor->execute(place, keyed(42));
    REQUIRE(after.is_ok());
    CHECK(after->duplicate);
    CHECK(after->stream == first.stream);
    CHECK(e.processor->execute(place, keyed(7)).status().code() ==
          ErrorCode::kIdempotencyKeyReused);
  }
}

TEST_CASE("processor: long keys fit, and a key reused on another kind of command is refused") {
  TempDir dir;
  Engine e(dir.path());
  const Uuid cup = create_product(*e.processor, 100, 10);
  const Uuid user = new_id();
  CommandMeta m = as(user);
  m.idempotency_key = std::string(255, 'k');  // the longest allowed
  m.request_fingerprint = 9;
  PlaceOrder place;
  place.order_id = new_id();
  place.items = {{cup, 1}};
  auto first = e.processor->execute(place, m);
  REQUIRE_MESSAGE(first.is_ok(), first.status().to_string());
  place.order_id = new_id();
  auto again = e.processor->execute(place, m);
  REQUIRE(again.is_ok());
  CHECK(again->duplicate);
  // Same key and body fingerprint, other endpoint: not the order's answer.
  CHECK(e.processor->execute(AddToCart{cup, 1}, m).status().code() ==
        ErrorCode::kIdempotencyKeyReused);
  m.idempotency_key = std::string(256, 'k');
  CHECK(e.processor->execute(place, m).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("processor: duplicates inside one batch get the first answer too") {
  TempDir dir;
  Engine e(dir.path());
  const Uuid cup = create_product(*e.processor, 100, 10);
  const Uuid user = new_id();
  std::vector<std::future<Result<CommandReply>>> replies;
  for (int i = 0; i < 20; ++i) {
    PlaceOrder place;
    place.order_id = new_id();
    place.items = {{cup, 1}};
    CommandMeta m = as(user);
    m.idempotency_key = "same";
    m.request_fingerprint = 1;
    replies.push_back(e.processor->submit(place, m));
  }
  std::string stream;
  int originals = 0;
  for (auto& f : replies) {
    auto r = f.get();
    REQUIRE(r.is_ok());
    if (!r->duplicate)
      ++originals;
    if (stream.empty())
      stream = r->stream;
    CHECK(r->stream == stream);
  }
  CHECK(originals == 1);
  CHECK(e.snapshot().products.at(cup).reserved == 1);
}

TEST_CASE("processor: a full queue answers overloaded at once, then recovers") {
  TempDir dir;
  ProcessorOptions options;
  options.queue_capacity = 8;
  Engine e(dir.path(), options);
  const Uuid cup = create_product(*e.processor, 100, 1000);
  // Hold the writer inside an inspection so the queue cannot drain.
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  std::thread holder([&] {
    e.processor->inspect([&](const ShopState&) {
      std::unique_lock lock(mu);
      entered = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    });
  });
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return entered; }));
  }
  std::vector<std::future<Result<CommandReply>>> accepted;
  int overloaded = 0;
  for (int i = 0; i < 20; ++i) {
    PlaceOrder place;
    place.order_id = new_id();
    place.items = {{cup, 1}};
    auto f = e.processor->submit(place, as(new_id()));
    if (i >= 8) {
      // Beyond capacity: answered before the writer even wakes.
      REQUIRE(f.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
      CHECK(f.get().status().code() == ErrorCode::kOverloaded);
      ++overloaded;
    } else {
      accepted.push_back(std::move(f));
    }
  }
  CHECK(overloaded == 12);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  holder.join();
  for (auto& f : accepted)
    CHECK(f.get().is_ok());
  PlaceOrder later;
  later.order_id = new_id();
  later.items = {{cup, 1}};
  CHECK(e.processor->execute(later, as(new_id())).is_ok());
}

TEST_CASE("processor: racing for the last units, exactly the available units are sold") {
  TempDir dir;
  Engine e(dir.path());
  constexpr int kUnits = 25;
  constexpr int kThreads = 8, kPerThread = 20;
  const Uuid hot = create_product(*e.processor, 100, kUnits);
  std::atomic<int> sold{0}, short_stock{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        PlaceOrder place;
        place.order_id = new_id();
        place.items = {{hot, 1}};
        auto r = e.processor->execute(place, as(new_id()));
        if (r.is_ok()) {
          ++sold;
        } else if (r.status().code() == ErrorCode::kInsufficientStock) {
          ++short_stock;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(sold == kUnits);
  CHECK(short_stock == kThreads * kPerThread - kUnits);
  CHECK(other == 0);
  const ShopState s = e.snapshot();
  CHECK(s.products.at(hot).reserved == kUnits);
  CHECK(s.products.at(hot).available() == 0);
}

TEST_CASE("processor: state after a restart equals the state before") {
  for (bool snapshots : {false, true}) {
    CAPTURE(snapshots);
    TempDir dir;
    ShopState before;
    {
      Engine e(dir.path(), {}, snapshots);
      const Uuid a = create_product(*e.processor, 100, 50),
                 b = create_product(*e.processor, 250, 5);
      for (int i = 0; i < 30; ++i) {
        const Uuid user = new_id();
        PlaceOrder place;
        place.order_id = new_id();
        place.items = {{a, 1 + i % 3}};
        if (i % 4 == 0)
          place.items.push_back({b, 1});
        auto r = e.processor->execute(place, as(user));
        if (!r.is_ok())
          continue;
        if (i % 3 == 0) {
          const Uuid pay = new_id();
          REQUIRE(e.processor->execute(CreatePayment{pay, place.order_id}, as(user)).is_ok());
          REQUIRE(e.processor
                      ->execute(ConfirmPayment{pay, i % 2 ? "pm_card_ok" : "pm_card_declined"},
                                as(user))
                      .is_ok());
        } else if (i % 5 == 0) {
          REQUIRE(e.processor->execute(CancelOrder{place.order_id}, as(user)).is_ok());
        }
      }
      REQUIRE(e.processor->execute(AdjustStock{a, 7}, as(kAdmin, Role::kAdmin)).is_ok());
      before = e.snapshot();
    }
    Engine e(dir.path(), {}, snapshots);
    const ShopState after = e.snapshot();
    CHECK(diff_states(before, after) == "");
    const ProcessorStats st = e.processor->stats();
    CHECK(st.snapshot_note == "");
    if (snapshots) {  // loaded, nothing left to fold
      CHECK(st.snapshot_position == e.store->last_position());
      CHECK(st.rebuilt_events == 0);
    } else {
      CHECK(st.rebuilt_events > 0);
    }
  }
}

TEST_CASE(
    "processor: a writer snapshot that is damaged or ahead of the log is not used: the whole log "
    "is folded") {
  TempDir dir;
  ShopState before;
  uint64_t end = 0;
  {
    Engine e(dir.path(), {}, true);
    const Uuid cup = create_product(*e.processor, 100, 50);
    for (int i = 0; i < 10; ++i)
      REQUIRE(e.processor->execute(PlaceOrder{new_id(), {{cup, 1}}, "", 900'000'000}, as(new_id()))
                  .is_ok());
    before = e.snapshot();
    end = e.store->last_position();
  }
  SUBCASE("damaged") {
    auto snaps = std::move(SnapshotStore::open(dir.path() + "/snapshots").value());
    REQUIRE(snaps->save(kWriterSnapshot, "not a writer snapshot", end).is_ok());
  }
  SUBCASE("ahead of the log (its unsynced tail lost)") {
    auto snaps = std::move(SnapshotStore::open(dir.path() + "/snapshots").value());
    auto loaded = snaps->load(kWriterSnapshot);
    REQUIRE(loaded.is_ok());
    REQUIRE(loaded->has_value());
    const std::string bytes((*loaded)->bytes);
    REQUIRE(snaps->save(kWriterSnapshot, bytes, end + 5).is_ok());
  }
  Engine e(dir.path(), {}, true);
  const ProcessorStats st = e.processor->stats();
  CHECK(st.snapshot_note.find("folded from the start") != std::string::npos);
  CHECK(st.rebuilt_events == end);
  CHECK(diff_states(before, e.snapshot()) == "");
}

TEST_CASE("processor: pending orders past their time-to-live are cancelled by the engine") {
  TempDir dir;
  auto clock = std::make_shared<std::atomic<TimestampUs>>(now_us());
  ProcessorOptions options;
  options.clock = [clock] { return clock->load(); };
  options.expiry_check_interval = std::chrono::milliseconds(10);
  Engine e(dir.path(), options);
  const Uuid cup = create_product(*e.processor, 100, 10);
  const Uuid user = new_id();
  PlaceOrder stays, expires;
  stays.order_id = new_id();
  stays.items = {{cup, 2}};
  expires.order_id = new_id();
  expires.items = {{cup, 3}};
  REQUIRE(e.processor->execute(stays, as(user)).is_ok());
  REQUIRE(e.processor->execute(expires, as(user)).is_ok());
  REQUIRE(e.processor
              ->execute(ChangeOrderStatus{stays.order_id, OrderStatus::kConfirmed},
                        as(kAdmin, Role::kAdmin))
              .is_ok());
  clock->fetch_add(15 * 60 * 1000000LL + 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  ShopState s;
  while (std::chrono::steady_clock::now() < deadline) {
    s = e.snapshot();
    if (s.orders.at(expires.order_id).status == OrderStatus::kCancelled)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(s.orders.at(expires.order_id).status == OrderStatus::kCancelled);
  CHECK(s.orders.at(stays.order_id).status == OrderStatus::kConfirmed);
  CHECK(s.products.at(cup).reserved == 0);
  CHECK(s.products.at(cup).stock == 8);
  CHECK(e.processor->stats().expired_orders == 1);
  auto last = e.store->read_stream("order-" + expires.order_id.to_string(), kEndOfLog, 1,
                                   Direction::kBackward);
  REQUIRE(last.is_ok());
  REQUIRE(last->size() == 1);
  CHECK((*last)[0]->type() == EventType::kOrderCancelled);
}

TEST_CASE(
    "processor: when the disk fails under the writer, it refuses every command until restart") {
  TempDir dir;
  FaultSwitches faults;
  StoreOptions so;
  so.env = make_faulty_env(faults);
  auto store = std::move(EventStore::open(dir.path(), so).value());
  auto processor = std::move(CommandProcessor::start(*store).value());
  const Uuid cup = create_product(*processor, 100, 10);
  faults.fail_wal_sync = true;
  PlaceOrder place;
  place.order_id = new_id();
  place.items = {{cup, 1}};
  auto lost = processor->execute(place, as(new_id()));
  CHECK(lost.status().code() == ErrorCode::kIOError);  // never acknowledged
  faults.fail_wal_sync = false;
  for (int i = 0; i < 3; ++i) {
    place.order_id = new_id();
    CHECK(processor->execute(place, as(new_id())).status().code() == ErrorCode::kIOError);
  }
  processor->stop();
  (void)store->close();
  // After a restart the durable state is whole and the writer works again.
  Engine e(dir.path());
  CHECK(e.snapshot().products.at(cup).stock == 10);
  place.order_id = new_id();
  CHECK(e.processor->execute(place, as(new_id())).is_ok());
}

TEST_CASE("processor: a key recorded with a legacy fingerprint still answers its retry") {
  // Logs written before fingerprints hashed canonical JSON hold the hash of
  // the body's bytes: the API sends that as the legacy fingerprint, and a
  // retry matching either is the same request, also after a restart.
  TempDir dir;
  const Uuid user = new_id();
  Uuid cup;
  auto keyed = [&](uint64_t fingerprint, uint64_t legacy) {
    CommandMeta m = as(user);
    m.idempotency_key = "order-before-upgrade";
    m.request_fingerprint = fingerprint;
    m.legacy_request_fingerprint = legacy;
    return m;
  };
  PlaceOrder place;
  CommandReply first;
  {
    Engine e(dir.path(), {}, false);
    cup = create_product(*e.processor, 100, 10);
    place.order_id = new_id();
    place.items = {{cup, 1}};
    auto r = e.processor->execute(place, keyed(1111, 0));  // as the old code recorded it
    REQUIRE(r.is_ok());
    first = *r;
  }
  Engine e(dir.path(), {}, false);
  const uint64_t end = e.store->last_position();
  place.order_id = new_id();
  auto again = e.processor->execute(place, keyed(2222, 1111));  // canonical, legacy
  REQUIRE(again.is_ok());
  CHECK(again->duplicate);
  CHECK(again->stream == first.stream);
  CHECK(e.store->last_position() == end);
  CHECK(e.processor->execute(place, keyed(3333, 4444)).status().code() ==
        ErrorCode::kIdempotencyKeyReused);
  // A new key recorded with the canonical fingerprint is matched by it.
  CommandMeta fresh = keyed(5555, 6666);
  fresh.idempotency_key = "order-after-upgrade";
  place.order_id = new_id();
  auto placed = e.processor->execute(place, fresh);
  REQUIRE(placed.is_ok());
  CommandMeta retry = keyed(5555, 7777);
  retry.idempotency_key = "order-after-upgrade";
  place.order_id = new_id();
  auto replayed = e.processor->execute(place, retry);
  REQUIRE(replayed.is_ok());
  CHECK(replayed->duplicate);
  CHECK(replayed->stream == placed->stream);
}

TEST_CASE("processor: a reply names the version its first stream is at after the command") {
  TempDir dir;
  Engine e(dir.path());
  const Uuid user = new_id();
  const Uuid cup = create_product(*e.processor, 100, 10);
  PlaceOrder place;
  place.order_id = new_id();
  place.items = {{cup, 1}};
  auto placed = e.processor->execute(place, as(user));
  REQUIRE(placed.is_ok());
  CHECK(placed->stream == "order-" + place.order_id.to_string());
  CHECK(placed->stream_version == 1);
  auto cancelled = e.processor->execute(CancelOrder{place.order_id, "customer_request"}, as(user));
  REQUIRE(cancelled.is_ok());
  CHECK(cancelled->stream == placed->stream);
  CHECK(cancelled->stream_version == 2);
  CHECK(cancelled->stream_version ==
        *e.store->stream_version("order-" + place.order_id.to_string()));
  // A retry does not know it (its answer is folded from the log instead).
  CommandMeta keyed = as(user);
  keyed.idempotency_key = "version-1";
  place.order_id = new_id();
  REQUIRE(e.processor->execute(place, keyed).is_ok());
  place.order_id = new_id();
  auto again = e.processor->execute(place, keyed);
  REQUIRE(again.is_ok());
  CHECK(again->duplicate);
  CHECK(again->stream_version == 0);
}

TEST_CASE("processor: a standby writer refuses commands, follows the log, and takes over") {
  TempDir dir;
  Engine leader(dir.path());
  ProcessorOptions standby_options;
  standby_options.standby = true;
  standby_options.expiry_check_interval = std::chrono::milliseconds(20);
  auto started = CommandProcessor::start(*leader.store, standby_options);
  REQUIRE(started.is_ok());
  std::unique_ptr<CommandProcessor> standby = std::move(started).value();
  CHECK(standby->standby());

  // The leader decides; the standby refuses, and its state follows the log.
  const Uuid cup = create_product(*leader.processor, 500, 3);
  auto refused = standby->execute(new_product(100, 1), as(kAdmin, Role::kAdmin));
  CHECK(refused.status().code() == ErrorCode::kUnavailable);
  const Uuid user = new_id();
  CommandMeta keyed = as(user);
  keyed.idempotency_key = "first-order";
  PlaceOrder place;
  place.order_id = new_id();
  place.items = {{cup, 2}};
  auto placed = leader.processor->execute(place, keyed);
  REQUIRE(placed.is_ok());
  bool seen = false;
  for (int i = 0; i < 500 && !seen; ++i) {
    standby->inspect(
        [&](const ShopState& s) { seen = s.orders.find(place.order_id) != s.orders.end(); });
    if (!seen)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(seen);

  // The leader goes; the standby takes over with the whole state: the stock
  // left, and the first order's key.
  leader.processor->stop();
  REQUIRE(standby->promote().is_ok());
  CHECK_FALSE(standby->standby());
  PlaceOrder again = place;
  again.order_id = new_id();
  auto retry = standby->execute(again, keyed);
  REQUIRE(retry.is_ok());
  CHECK(retry->duplicate);
  CHECK(retry->last_position == placed->last_position);
  PlaceOrder too_many;
  too_many.order_id = new_id();
  too_many.items = {{cup, 2}};
  CHECK(standby->execute(too_many, as(new_id())).status().code() == ErrorCode::kInsufficientStock);
  PlaceOrder last_one;
  last_one.order_id = new_id();
  last_one.items = {{cup, 1}};
  REQUIRE(standby->execute(last_one, as(new_id())).is_ok());
  standby->stop();
}

TEST_CASE("processor: a command's correlation id is on each of its events, and its time counted") {
  TempDir dir;
  Engine e(dir.path());
  const Uuid cup = create_product(*e.processor, 1299, 10);
  const uint64_t counted_before = e.processor->command_histogram().count();
  const Uuid user = new_id();
  PlaceOrder place;
  place.order_id = new_id();
  place.items = {{cup, 1}};
  CommandMeta traced = as(user);
  traced.correlation_id = "0af7651916cd43dd8448eb211c80319c";
  auto placed = e.processor->execute(place, traced);
  REQUIRE(placed.is_ok());
  const Uuid payment = new_id();
  CommandMeta other = as(user);
  other.correlation_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto created = e.processor->execute(CreatePayment{payment, place.order_id}, other);
  REQUIRE(created.is_ok());
  auto refused = e.processor->execute(CancelOrder{place.order_id}, as(new_id()));
  CHECK_FALSE(refused.is_ok());

  std::map<uint64_t, std::string> correlation;
  REQUIRE(e.store
              ->scan(LogQuery{},
                     [&](const EventView& ev) {
                       correlation[ev.position()] = std::string(ev.correlation_id());
                       return true;
                     })
              .is_ok());
  for (uint64_t p = placed->first_position; p <= placed->last_position; ++p)
    CHECK(correlation.at(p) == "0af7651916cd43dd8448eb211c80319c");
  for (uint64_t p = created->first_position; p <= created->last_position; ++p)
    CHECK(correlation.at(p) == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(correlation.at(1).empty());  // the product, created without one
  // Decided commands, refused ones included, are in the latency histogram.
  CHECK(e.processor->command_histogram().count() == counted_before + 3);
  CHECK(e.store->sync_histogram().count() >= 3);  // --sync always: one fsync a batch at least
}
