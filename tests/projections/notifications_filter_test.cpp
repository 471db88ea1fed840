// The notifications read model: everyone's history filtered by status,
// channel and user, newest first; WebSocket push batches folded into one
// row per push; the filters still right after a reload from the snapshot.
#include <doctest/doctest.h>

#include "commands/processor.h"
#include "projections/notifications.h"
#include "projections/runner.h"
#include "tests/projections/folding.h"
#include "tests/support/ids.h"
#include "tests/support/live_writer.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

namespace {

WebSocketPushOutcome push(const Uuid& id, const Uuid& user, std::string type, TimestampUs at,
                          bool dropped) {
  WebSocketPushOutcome o;
  o.notification_id = id;
  o.user_id = user;
  o.type = std::move(type);
  o.source_position = 1;
  o.pushed_at = at;
  o.dropped = dropped;
  if (dropped)
    o.reason = "the client's queue was full";
  return o;
}

// Ada: email 1 (failed, then retried: pending), push 3 (sent), push 5
// (dropped). Bob: email 2 (sent), push 4 (sent). Created in that order.
void check_filters(const NotificationsReadModel& notes, const Uuid& ada, const Uuid& bob) {
  const std::string a = ada.to_string(), b = bob.to_string();
  auto id = [](int n) { return test_id(n).to_string(); };
  CHECK(ids_of(notes.list(NotificationFilter{}, 1, 20)) ==
        std::vector<std::string>{id(5), id(4), id(3), id(2), id(1)});
  CHECK(ids_of(notes.list(NotificationFilter{{}, "sent", {}}, 1, 20)) ==
        std::vector<std::string>{id(4), id(3), id(2)});
  CHECK(ids_of(notes.list(NotificationFilter{{}, {}, "websocket"}, 1, 20)) ==
        std::vector<std::string>{id(5), id(4), id(3)});
  CHECK(ids_of(notes.list(NotificationFilter{{}, "sent", "email"}, 1, 20)) ==
        std::vector<std::string>{id(2)});
  CHECK(ids_of(notes.list(NotificationFilter{{}, "pending", {}}, 1, 20)) ==
        std::vector<std::string>{id(1)});
  CHECK(notes.list(NotificationFilter{{}, "failed", {}}, 1, 20).total == 0);
  CHECK(ids_of(notes.list(NotificationFilter{a, {}, {}}, 1, 20)) ==
        std::vector<std::string>{id(5), id(3), id(1)});
  CHECK(ids_of(notes.list(NotificationFilter{a, "sent", {}}, 1, 20)) ==
        std::vector<std::string>{id(3)});
  CHECK(ids_of(notes.list(NotificationFilter{b, {}, "websocket"}, 1, 20)) ==
        std::vector<std::string>{id(4)});
  CHECK(notes.list(NotificationFilter{b, "dropped", {}}, 1, 20).total == 0);
  // Pages across the merged sets.
  auto second = notes.list(NotificationFilter{}, 2, 2);
  CHECK(second.total == 5);
  CHECK(ids_of(second) == std::vector<std::string>{id(3), id(2)});
  auto ada_second = notes.list(NotificationFilter{a, {}, "websocket"}, 2, 1);
  CHECK(ada_second.total == 2);
  CHECK(ids_of(ada_second) == std::vector<std::string>{id(3)});
  // A dropped push: its reason, one attempt, its pushed type as template.
  const auto dropped = notes.get(id(5));
  REQUIRE(dropped.has_value());
  CHECK(dropped->channel == "websocket");
  CHECK(dropped->status == "dropped");
  CHECK(dropped->template_name == "order.status_changed");
  CHECK(dropped->last_error == "the client's queue was full");
  CHECK(dropped->attempts == 1);
  CHECK(dropped->user_id == a);
}

}  // namespace

TEST_CASE_FIXTURE(LiveWriter,
                  "notifications read model: everyone's with filters, pushes folded, reloaded") {
  const CommandMeta engine = meta_for(Role::kEngine);
  const Uuid ada = new_id(), bob = new_id();
  REQUIRE(writer
              ->execute(RequestNotification{test_id(1), ada, "email", "order_placed",
                                            "ada@example.com", 1},
                        engine)
              .is_ok());
  REQUIRE(writer->execute(RecordNotificationFailed{test_id(1), "refused", true}, engine).is_ok());
  REQUIRE(writer
              ->execute(RequestNotification{test_id(2), bob, "email", "order_placed",
                                            "bob@example.com", 2},
                        engine)
              .is_ok());
  REQUIRE(writer->execute(RecordNotificationSent{test_id(2)}, engine).is_ok());
  const TimestampUs later = now_us() + 1'000'000;  // pushed after the emails were requested
  RecordWebSocketPushes batch{new_id(),
                              {push(test_id(3), ada, "order.created", later, false),
                               push(test_id(4), bob, "order.created", later + 1, false),
                               push(test_id(5), ada, "order.status_changed", later + 2, true)}};
  REQUIRE(writer->execute(batch, engine).is_ok());
  REQUIRE(writer->execute(RetryNotification{test_id(1)}, engine).is_ok());
  // Only the engine (or an admin) records pushes, and never an empty batch.
  CHECK(writer->execute(batch, CommandMeta{}).status().code() == ErrorCode::kForbidden);
  CHECK_FALSE(writer->execute(RecordWebSocketPushes{new_id(), {}}, engine).is_ok());

  auto rows = std::move(ReadModelStore::open(dir.sub("data/readmodels")).value());
  {
    NotificationsReadModel notes;
    ProjectionRunner runner(*store, *rows, {&notes});
    REQUIRE(runner.start().is_ok());
    REQUIRE(runner.wait_for("notifications", store->last_position(), std::chrono::seconds(60)));
    check_filters(notes, ada, bob);
    REQUIRE(runner.stop().is_ok());
  }
  // From the snapshot: the filters' index is rebuilt from the rows.
  NotificationsReadModel again;
  ProjectionRunner runner(*store, *rows, {&again});
  REQUIRE(runner.start().is_ok());
  check_filters(again, ada, bob);
}
