// The dashboard numbers, from a known history through the real writer, with
// views and searches recorded by the AnalyticsRecorder.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "commands/analytics.h"
#include "commands/analytics_recorder.h"
#include "commands/processor.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "projections/payments.h"
#include "projections/runner.h"
#include "projections/stats.h"
#include "tests/projections/folding.h"
#include "tests/projections/pay_shop.h"
#include "tests/support/append_raw.h"
#include "tests/support/ids.h"
#include "tests/support/live_writer.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

TEST_CASE_FIXTURE(
    LiveWriter, "stats: revenue, statuses, days, top products and categories, views and searches") {
  const CommandMeta admin = meta_for(Role::kAdmin);
  auto product = [&](int n, const char* name, const char* category, int64_t price) {
    CreateProduct c{test_id(n), "SKU-" + std::to_string(n), name, "", category, "USD", price, 100};
    REQUIRE(writer->execute(c, admin).is_ok());
    return c.product_id;
  };
  const Uuid cup = product(1, "Cup", "kitchen", 1000), pot = product(2, "Pot", "kitchen", 3000),
             hose = product(3, "Hose", "garden", 2000);
  CommandMeta ada;
  ada.actor = test_id(500);
  auto order = [&](int n, std::vector<OrderItem> items) {
    REQUIRE(
        writer->execute(PlaceOrder{test_id(n), std::move(items), "", 900'000'000}, ada).is_ok());
    return test_id(n);
  };
  const Uuid o1 = order(100, {{cup, 2}, {pot, 1}});  // 5000, paid below
  const Uuid o2 = order(101, {{hose, 1}});           // 2000, confirmed then delivered
  const Uuid o3 = order(102, {{cup, 1}});            // 1000, confirmed then cancelled
  order(103, {{pot, 2}});                            // 6000, stays pending
  const Uuid o5 = order(104, {{hose, 3}});           // 6000, cancelled while pending
  const Uuid pay = test_id(200);
  REQUIRE(writer->execute(CreatePayment{pay, o1}, ada).is_ok());
  REQUIRE(writer->execute(ConfirmPayment{pay, "pm_card_ok"}, ada).is_ok());
  REQUIRE(writer->execute(RefundPayment{pay, 500}, admin).is_ok());
  for (auto to : {OrderStatus::kConfirmed, OrderStatus::kShipped, OrderStatus::kDelivered}) {
    REQUIRE(writer->execute(ChangeOrderStatus{o2, to}, admin).is_ok());
  }
  REQUIRE(writer->execute(ChangeOrderStatus{o3, OrderStatus::kConfirmed}, admin).is_ok());
  REQUIRE(writer->execute(CancelOrder{o3}, ada).is_ok());
  REQUIRE(writer->execute(CancelOrder{o5}, ada).is_ok());
  {
    AnalyticsRecorder recorder(*writer, std::chrono::hours(1));  // flushed by hand below
    for (int i = 0; i < 3; ++i)
      recorder.product_viewed(pot);
    recorder.product_viewed(cup);
    recorder.searched("  Espresso   CUP ");
    recorder.searched("espresso cup");
    recorder.searched("hose");
    recorder.searched("bad\x01query");  // not counted, and does not sink the batch
    recorder.searched("\xff\xfe");
    REQUIRE(recorder.flush().is_ok());
  }
  CHECK(normalize_search("  Espresso   CUP ") == "espresso cup");

  auto rows = std::move(ReadModelStore::open(dir.sub("data/readmodels")).value());
  StatsReadModel stats;
  run_to_end(*store, *rows, stats);
  auto check = [&](const StatsReadModel& model) {
    const Dashboard d = model.dashboard();
    CHECK(d.orders_total == 5);
    CHECK(d.orders_by_status.at("pending") == 1);
    CHECK(d.orders_by_status.at("confirmed") == 1);
    CHECK(d.orders_by_status.at("delivered") == 1);
    CHECK(d.orders_by_status.at("cancelled") == 2);
    CHECK(d.revenue_cents == 5000 + 2000 - 500);  // paid orders minus the refund
    CHECK(d.average_order_cents == 3500);
    REQUIRE(d.revenue_by_day.size() == 1);
    CHECK(d.revenue_by_day[0].orders == 5);
    // Net of the refund too: the total is the sum of the days.
    CHECK(d.revenue_by_day[0].revenue_cents == 5000 + 2000 - 500);
    REQUIRE(d.top_products.size() == 3);
    CHECK(d.top_products[0].name == "Cup");  // 2 units
    CHECK(d.top_products[0].units == 2);
    REQUIRE(d.top_categories.size() == 2);
    CHECK(d.top_categories[0].category == "kitchen");
    CHECK(d.top_categories[0].revenue_cents == 5000);
    REQUIRE(d.most_viewed.size() == 2);
    CHECK(d.most_viewed[0].name == "Pot");
    CHECK(d.most_viewed[0].count == 3);
    REQUIRE(d.trending_searches.size() == 2);
    CHECK(d.trending_searches[0].key == "espresso cup");
    CHECK(d.trending_searches[0].count == 2);
    CHECK(d.trending_searches[1].key == "hose");
  };
  check(stats);
  // The same numbers after a restart from the stored rows.
  StatsReadModel reloaded;
  ProjectionRunner again(*store, *rows, {&reloaded});
  REQUIRE(again.start().is_ok());
  check(reloaded);
}

TEST_CASE_FIXTURE(LiveWriter, "analytics: only the engine records, batches are validated") {
  CommandMeta user;
  user.actor = test_id(1);
  RecordAnalytics batch{test_id(2), {{test_id(3), 1}}, {}};
  CHECK(writer->execute(batch, user).status().code() == ErrorCode::kForbidden);
  const CommandMeta engine = meta_for(Role::kEngine);
  CHECK(writer->execute(RecordAnalytics{test_id(4), {}, {}}, engine).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(
      writer->execute(RecordAnalytics{test_id(5), {{test_id(3), 0}}, {}}, engine).status().code() ==
      ErrorCode::kInvalidArgument);
  CHECK(writer->execute(RecordAnalytics{test_id(6), {}, {{std::string(201, 'q'), 1}}}, engine)
            .status()
            .code() == ErrorCode::kInvalidArgument);
  CHECK(writer->execute(batch, engine).is_ok());
}

TEST_CASE_FIXTURE(LiveWriter,
                  "stats: a refunded order that is then cancelled leaves revenue once, not twice") {
  const CommandMeta admin = meta_for(Role::kAdmin);
  CreateProduct c{test_id(1), "SKU-1", "Cup", "", "kitchen", "USD", 1000, 100};
  REQUIRE(writer->execute(c, admin).is_ok());
  CommandMeta ada;
  ada.actor = test_id(500);
  REQUIRE(
      writer->execute(PlaceOrder{test_id(100), {{c.product_id, 3}}, "", 900'000'000}, ada).is_ok());
  REQUIRE(
      writer->execute(PlaceOrder{test_id(101), {{c.product_id, 1}}, "", 900'000'000}, ada).is_ok());
  for (int o : {100, 101}) {
    REQUIRE(writer->execute(CreatePayment{test_id(200 + o), test_id(o)}, ada).is_ok());
    REQUIRE(writer->execute(ConfirmPayment{test_id(200 + o), "pm_card_ok"}, ada).is_ok());
  }
  REQUIRE(writer->execute(RefundPayment{test_id(300), std::nullopt}, admin)
              .is_ok());  // order 100, in full
  REQUIRE(writer->execute(CancelOrder{test_id(100)}, admin).is_ok());
  REQUIRE(writer->execute(RefundPayment{test_id(301), 400}, admin).is_ok());  // order 101, partly
  StatsReadModel stats;
  auto rows = rebuild_rows(*store, stats);
  REQUIRE(rows.is_ok());
  CHECK(stats.dashboard().revenue_cents == 1000 - 400);
}

TEST_CASE_FIXTURE(
    LiveWriter,
    "analytics recorder: accented queries keep their last character, long ones are cut cleanly") {
  {
    AnalyticsRecorder recorder(*writer, std::chrono::hours(1));
    recorder.searched("Café");
    recorder.searched(std::string(199, 'a') + "\xc3\xa9");  // the cut would split the é
    REQUIRE(recorder.flush().is_ok());
  }
  StatsReadModel stats;
  REQUIRE(rebuild_rows(*store, stats).is_ok());
  const auto searches = stats.dashboard().trending_searches;
  REQUIRE(searches.size() == 2);
  std::vector<std::string> keys{searches[0].key, searches[1].key};
  std::sort(keys.begin(), keys.end());
  CHECK(keys[0] == std::string(199, 'a'));
  CHECK(keys[1] == "café");
}

TEST_CASE("stats: an old log's refund of a cancelled paid order is not subtracted twice") {
  // Before cancelling refunded in the same commit, an admin refunded a
  // cancelled paid order by hand, with a refund that named no reason: the
  // cancellation already took the order out of revenue.
  TempDir dir;
  auto store = std::move(eventstore::EventStore::open(dir.sub("data")).value());
  const Uuid order = test_id(10), payment = test_id(11), user = test_id(12), cup = test_id(13);
  const std::string o = "order-" + order.to_string(), p = "payment-" + payment.to_string();
  append_raw(*store, o, EventType::kOrderPlaced, [&](flatbuffers::FlatBufferBuilder& b) {
    std::vector<flatbuffers::Offset<events::OrderLine>> lines = {
        events::CreateOrderLineDirect(b, cup.to_string().c_str(), "Cup", 1250, 1, 1250)};
    return events::CreateOrderPlacedDirect(b, order.to_string().c_str(), user.to_string().c_str(),
                                           &lines, 1250, "USD", nullptr, 1);
  });
  append_raw(*store, o, EventType::kOrderConfirmed, [&](flatbuffers::FlatBufferBuilder& b) {
    return events::CreateOrderConfirmedDirect(b, order.to_string().c_str(),
                                              payment.to_string().c_str());
  });
  append_raw(*store, o, EventType::kOrderCancelled, [&](flatbuffers::FlatBufferBuilder& b) {
    return events::CreateOrderCancelledDirect(b, order.to_string().c_str(), "customer_request");
  });
  append_raw(*store, p, EventType::kPaymentRefunded, [&](flatbuffers::FlatBufferBuilder& b) {
    return events::CreatePaymentRefundedDirect(b, payment.to_string().c_str(),
                                               order.to_string().c_str(), 1250, 1250);
  });
  StatsReadModel stats;
  apply_log(*store, {&stats});
  auto check = [](const StatsReadModel& model) {
    const Dashboard d = model.dashboard();
    CHECK(d.revenue_cents == 0);
    REQUIRE(d.revenue_by_day.size() == 1);
    CHECK(d.revenue_by_day[0].revenue_cents == 0);
  };
  check(stats);
  // The snapshot keeps what it needs to go on refusing such refunds.
  const auto loaded = through_snapshot(stats);
  check(*loaded);
  CHECK(loaded->rows() == stats.rows());
}

namespace {

using Hook = PaymentWebhookType;

// The dashboard's revenue and the sum of its days, which must agree.
std::pair<int64_t, int64_t> revenue_of(const StatsReadModel& model) {
  const Dashboard d = model.dashboard();
  int64_t days = 0;
  for (const DayRevenue& r : d.revenue_by_day)
    days += r.revenue_cents;
  return {d.revenue_cents, days};
}

// A stats model folded from the whole log now.
std::unique_ptr<StatsReadModel> folded(PayShop& shop) {
  auto model = std::make_unique<StatsReadModel>();
  apply_log(*shop.store, {model.get()});
  return model;
}

// The model a runner kept live, rebuilt from the log: the same rows.
void check_rebuild_equals_live(PayShop& shop) {
  auto rows = std::move(ReadModelStore::open(shop.dir.sub("data/readmodels")).value());
  StatsReadModel live, rebuilt;
  run_to_end(*shop.store, *rows, live);
  REQUIRE(rebuild_rows(*shop.store, rebuilt).is_ok());
  auto sorted = [](const StatsReadModel& m) {
    ReaderLock lock(m.mutex());
    Rows r = m.rows();
    std::sort(r.begin(), r.end());
    return r;
  };
  CHECK(sorted(rebuilt) == sorted(live));
}

}  // namespace

TEST_CASE("stats: cash on delivery counts once collected, on its placement day") {
  PayShop shop(false);
  const Uuid card = shop.order(1);  // 1000, paid by card: the baseline
  shop.confirm(shop.payment(card), "pm_card_ok");
  const Uuid cod = shop.order(2);  // 2000
  const Uuid cash = shop.payment(cod);
  shop.confirm(cash, "cash_on_delivery");
  CHECK(revenue_of(*folded(shop)) == std::pair<int64_t, int64_t>{1000, 1000});
  shop.status(cod, OrderStatus::kShipped);
  shop.advance(PayShop::kDay);
  shop.status(cod, OrderStatus::kDelivered);  // delivered, the cash not yet counted
  CHECK(revenue_of(*folded(shop)) == std::pair<int64_t, int64_t>{1000, 1000});
  shop.advance(PayShop::kDay);
  shop.run(CapturePayment{cash}, shop.admin);
  const Dashboard d = folded(shop)->dashboard();
  CHECK(d.revenue_cents == 3000);
  REQUIRE(d.revenue_by_day.size() == 1);  // both placed on the first day
  CHECK(d.revenue_by_day[0].date == "2026-11-21");
  CHECK(d.revenue_by_day[0].revenue_cents == 3000);
  check_rebuild_equals_live(shop);
}

TEST_CASE("stats: cash on delivery cancelled before collection never counts") {
  PayShop shop(false);
  const Uuid cod = shop.order(2);
  shop.confirm(shop.payment(cod), "cash_on_delivery");
  shop.run(CancelOrder{cod}, shop.customer);
  CHECK(revenue_of(*folded(shop)) == std::pair<int64_t, int64_t>{0, 0});
  check_rebuild_equals_live(shop);
}

TEST_CASE(
    "stats: a late capture of an expired order refunded as order_not_payable changes nothing") {
  PayShop shop(true);
  const Uuid card = shop.order(1);
  const Uuid paid = shop.payment(card);
  shop.confirm(paid, "pm_card_ok");
  shop.webhook(Hook::kPaymentSucceeded, paid, 1000);
  const Uuid expired = shop.order(2);
  const Uuid late = shop.payment(expired);
  shop.confirm(late, "pm_card_ok");
  CommandMeta later = shop.engine;
  later.now = PayShop::kStart + PayShop::kDay;
  shop.run(ExpireOrder{expired}, later);
  shop.webhook(Hook::kPaymentSucceeded, late, 2000);  // captured, refunded whole at once
  CHECK(revenue_of(*folded(shop)) == std::pair<int64_t, int64_t>{1000, 1000});
  PaymentsReadModel payments;
  apply_log(*shop.store, {&payments});
  const std::string refund = payments.get(late.to_string())->refunds.at(0).id;
  shop.webhook(Hook::kRefundSucceeded, late, 2000, refund);
  CHECK(revenue_of(*folded(shop)) == std::pair<int64_t, int64_t>{1000, 1000});
  check_rebuild_equals_live(shop);
}

TEST_CASE("stats: a refund made at the provider is subtracted") {
  PayShop shop(true);
  const Uuid o = shop.order(3);
  const Uuid p = shop.payment(o);
  shop.confirm(p, "pm_card_ok");
  shop.webhook(Hook::kPaymentSucceeded, p, 3000);
  shop.webhook(Hook::kRefundSucceeded, p, 700, "re_at_provider");
  CHECK(revenue_of(*folded(shop)) == std::pair<int64_t, int64_t>{2300, 2300});
  CHECK(folded(shop)->dashboard().refunded_cents == 700);
  check_rebuild_equals_live(shop);
}
