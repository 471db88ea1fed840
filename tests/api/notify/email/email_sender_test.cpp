// The email sender's bookkeeping with real notification events from the
// real writer: an admin's retry that arrives while an attempt is in flight
// must not make a delivered email go out a second time.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "api/notify/email/email_sender.h"
#include "commands/processor.h"
#include "core/ids.h"
#include "tests/support/account_mail.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::testing;

TEST_CASE("email sender: a retry asked during an attempt does not send the email twice") {
  TempDir dir;
  auto store = std::move(eventstore::EventStore::open(dir.sub("data")).value());
  auto writer = std::move(commands::CommandProcessor::start(*store).value());
  commands::CommandMeta engine;
  engine.role = commands::Role::kEngine;
  const Uuid id = *Uuid::parse(new_uuid_v7());
  REQUIRE(writer
              ->execute(commands::RequestNotification{id, *Uuid::parse(new_uuid_v7()), "email",
                                                      "order_placed", "ada@example.com", 1},
                        engine)
              .is_ok());

  // Attempt 1 fails; attempt 2 waits in render until the test lets it go.
  std::mutex mu;
  std::condition_variable cv;
  int renders = 0;
  bool second_may_finish = false;
  api::notify::email::EmailHooks hooks;
  hooks.render = [&](const Uuid&,
                     const api::notify::email::PendingEmail&) -> Result<api::notify::email::Email> {
    std::unique_lock lock(mu);
    const int n = ++renders;
    cv.notify_all();
    if (n == 1)
      return Status::internal("the first attempt fails");
    cv.wait(lock, [&] { return second_may_finish; });
    api::notify::email::Email e;
    e.subject = "Order received";
    e.text = "thanks";
    e.html = "<p>thanks</p>";
    return e;
  };
  hooks.record_sent = [&](const Uuid& n) {
    return writer->execute(commands::RecordNotificationSent{n}, engine).status();
  };
  hooks.record_failed = [&](const Uuid& n, const std::string& error, bool retry) {
    return writer->execute(commands::RecordNotificationFailed{n, error, retry}, engine).status();
  };
  api::notify::email::EmailDeliveryOptions options;
  options.outbox_dir = dir.sub("outbox");
  options.first_backoff = std::chrono::milliseconds(50);
  api::notify::email::EmailSender sender(options, hooks);

  // The notification events, handed to the sender as the log grows.
  uint64_t fed = 0;
  auto feed = [&] {
    eventstore::LogQuery q;
    q.from_position = fed + 1;
    (void)store->scan(q, [&](const EventView& ev) {
      sender.track(ev);
      fed = ev.position();
      return true;
    });
  };
  feed();
  sender.mark_ready();
  sender.start();
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return renders >= 2; }));
  }
  // Attempt 2 is in flight. The failure of attempt 1 is in the log: an admin
  // re-queues it now, and the sender sees that retry mid-attempt.
  feed();
  commands::CommandMeta admin;
  admin.role = commands::Role::kAdmin;
  REQUIRE(writer->execute(commands::RetryNotification{id}, admin).is_ok());
  feed();
  {
    std::lock_guard lock(mu);
    second_may_finish = true;
  }
  cv.notify_all();
  // Delivered once; nothing more goes out, even before its Sent event is fed.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (eml_files(options.outbox_dir) < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(eml_files(options.outbox_dir) == 1);
  {
    std::lock_guard lock(mu);
    CHECK(renders == 2);
  }
  feed();
  CHECK(sender.stats().pending == 0);
  sender.stop();
  writer->stop();
}
