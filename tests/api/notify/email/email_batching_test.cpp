// The email pipeline under a burst of orders. It used to record each email
// request and each delivery with a blocking command, one fsync round each,
// so at a few thousand orders a second the emails fell minutes behind (and
// the sender scanned its whole backlog for every email). Now a slice's
// requests are submitted together and share group commits, and deliveries
// are recorded without waiting; every email must still be sent exactly
// once, across a restart too.
#include <doctest/doctest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "api/notify/email/email_notifier.h"
#include "api/notify/requests/request_email.h"
#include "commands/processor.h"
#include "eventstore/store.h"
#include "projections/registry.h"
#include "projections/runner.h"
#include "tests/support/account_mail.h"
#include "tests/support/ids.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

using namespace orderly;
using namespace orderly::testing;
namespace requests = orderly::api::notify::requests;

namespace {

commands::CommandMeta as(const Uuid& actor, commands::Role role) {
  commands::CommandMeta m;
  m.actor = actor;
  m.role = role;
  return m;
}

// Up to a minute for `done`.
bool eventually(const std::function<bool()>& done) {
  return poll_until(done, std::chrono::seconds(60), std::chrono::milliseconds(10));
}

}  // namespace

TEST_CASE("email requests: a slice's requests share group commits and each is recorded once") {
  TempDir dir;
  auto store = std::move(eventstore::EventStore::open(dir.sub("data")).value());
  auto writer = std::move(commands::CommandProcessor::start(*store).value());
  constexpr int kEmails = 300;
  std::vector<requests::PlannedEmail> planned;
  for (int i = 0; i < kEmails; ++i) {
    planned.push_back({{new_id(), new_id(), "email", "order_placed",
                        "user" + std::to_string(i) + "@example.com", static_cast<uint64_t>(i + 1)},
                       i % 100 == 0 ? "suppressed: test" : ""});
  }
  const auto before = writer->stats();
  const auto first = requests::record_email_requests(planned, *writer);
  const auto after = writer->stats();
  REQUIRE(first.size() == kEmails);
  for (int i = 0; i < kEmails; ++i) {
    CAPTURE(i);
    REQUIRE(first[i].is_ok());
    CHECK(first[i]->id == planned[i].request.notification_id);
    CHECK(first[i]->created);
    CHECK(first[i]->suppressed == (i % 100 == 0));
  }
  // 300 requests and 3 suppressions; one at a time they took 303 fsync
  // rounds. Submitted together, the writer takes them in a few batches.
  CHECK(after.accepted - before.accepted == kEmails + 3);
  CHECK(after.batches - before.batches <= 30);

  // Asked again (a redelivered slice): nothing new is recorded.
  const auto again = requests::record_email_requests(planned, *writer);
  for (int i = 0; i < kEmails; ++i) {
    REQUIRE(again[i].is_ok());
    CHECK_FALSE(again[i]->created);
  }
  CHECK(writer->stats().accepted == after.accepted);
  writer->stop();
}

TEST_CASE("email notifier: a burst of orders gets one email each, none again after a restart") {
  TempDir dir;
  auto store = std::move(eventstore::EventStore::open(dir.sub("data")).value());
  auto writer = std::move(commands::CommandProcessor::start(*store).value());
  auto rows = projections::ReadModelStore::open(dir.sub("readmodels"));
  REQUIRE(rows.is_ok());
  projections::ProjectionRunner models(*store, **rows, projections::all_read_models_shared());
  REQUIRE(models.start().is_ok());

  const Uuid user = new_id(), admin = new_id(), teapot = new_id();
  REQUIRE(writer
              ->execute(commands::RegisterUser{user, "ada", "ada@example.com",
                                               "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA",
                                               "customer"},
                        as(Uuid{}, commands::Role::kCustomer))
              .is_ok());
  commands::CreateProduct product;
  product.product_id = teapot;
  product.sku = "TEA-1";
  product.name = "Teapot";
  product.category = "kitchen";
  product.price_cents = 1200;
  product.stock = 100'000;
  REQUIRE(writer->execute(product, as(admin, commands::Role::kAdmin)).is_ok());

  api::notify::email::EmailNotifierOptions mail;
  const std::string outbox = mail.delivery.outbox_dir = dir.sub("outbox");
  auto notifier =
      std::make_unique<api::notify::email::EmailNotifier>(*store, *writer, models, mail);
  REQUIRE(notifier->start().is_ok());

  // Placed together, while the notifier runs.
  constexpr int kOrders = 400;
  std::vector<std::future<Result<commands::CommandReply>>> placed;
  for (int i = 0; i < kOrders; ++i) {
    placed.push_back(writer->submit(commands::PlaceOrder{new_id(), {{teapot, 1}}, ""},
                                    as(user, commands::Role::kCustomer)));
  }
  for (auto& p : placed)
    REQUIRE(p.get().is_ok());
  CHECK(eventually([&] { return notifier->stats().sent == kOrders; }));
  CHECK(eml_files(outbox) == kOrders);
  // Every delivery is recorded (the sent events reach the log).
  CHECK(eventually([&] {
    size_t sent = 0;
    for (uint64_t p = 1; p <= store->last_position(); ++p) {
      auto ev = store->read_event(p);
      sent += ev && ev->view().type() == EventType::kNotificationSent;
    }
    return sent == kOrders;
  }));
  notifier->stop();

  // A new run reads the records and sends nothing again.
  notifier = std::make_unique<api::notify::email::EmailNotifier>(*store, *writer, models, mail);
  REQUIRE(notifier->start().is_ok());
  CHECK(eventually([&] {
    const auto s = notifier->stats();
    return s.ready && s.position == store->last_position() && s.pending == 0;
  }));
  CHECK(notifier->stats().sent == 0);
  CHECK(eml_files(outbox) == kOrders);
  notifier->stop();
  writer->stop();
  REQUIRE(models.stop().is_ok());
}
