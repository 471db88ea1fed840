// The feed's connection lifetimes (api/notify/push/ws_hub.h), in process over a real
// store: closed with 1008 at the token's exp, when the session's family is
// revoked, and a scope=all feed when its admin is demoted (no HTTP route
// demotes yet, so this is the one test of that path).
#include <doctest/doctest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "api/notify/push/ws_hub.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/user_events_generated.h"
#include "eventstore/store.h"
#include "tests/support/ids.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::testing;

namespace {

// Records the close, and lets the test wait for it.
class RecordingSink : public api::http::WsSink {
 public:
  void send(std::string, api::http::WsDone done) override {
    if (done)
      done(api::http::WsDelivery::kWritten, "");
  }
  void close(uint16_t code, std::string) override {
    std::lock_guard lock(mu_);
    code_ = code;
    cv_.notify_all();
  }
  // The close code once closed, or 0 when `limit` passed first.
  uint16_t closed_within(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, limit, [&] { return code_ != 0; });
    return code_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint16_t code_ = 0;
};

template <typename Build>
void append(eventstore::EventStore& store, const Uuid& user, EventType type, Build build) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(build(b));
  const std::vector<uint8_t> payload(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  eventstore::NewEvent e;
  e.type = type;
  e.payload = payload;
  REQUIRE(store.append("user-" + user.to_string(), eventstore::ExpectedVersion::any(), {&e, 1})
              .is_ok());
}

}  // namespace

TEST_CASE("ws hub: connections end at exp, at their family's revocation, and at demotion") {
  TempDir dir;
  auto store = eventstore::EventStore::open(dir.sub("store"));
  REQUIRE(store.is_ok());
  api::notify::push::WsHub hub(**store, [](const Uuid&) { return std::nullopt; });
  const Uuid admin = new_id(), ada = new_id(), family = new_id(), other_family = new_id();
  auto all_feed = std::make_shared<RecordingSink>();
  auto own_feed = std::make_shared<RecordingSink>();
  auto ada_feed = std::make_shared<RecordingSink>();
  auto ada_other = std::make_shared<RecordingSink>();
  auto short_lived = std::make_shared<RecordingSink>();
  auto u1 = hub.subscribe(api::notify::push::WsSession{admin, true, Uuid{}, 0}, all_feed);
  auto u2 = hub.subscribe(api::notify::push::WsSession{admin, false, Uuid{}, 0}, own_feed);
  auto u3 = hub.subscribe(api::notify::push::WsSession{ada, false, family, 0}, ada_feed);
  auto u4 = hub.subscribe(api::notify::push::WsSession{ada, false, other_family, 0}, ada_other);
  auto u5 = hub.subscribe(api::notify::push::WsSession{ada, false, Uuid{}, now_us() + 1'000'000},
                          short_lived);
  CHECK(hub.clients() == 5);

  CHECK(short_lived->closed_within(std::chrono::seconds(10)) == 1008);

  append(**store, admin, EventType::kUserRoleChanged, [&](flatbuffers::FlatBufferBuilder& b) {
    return events::CreateUserRoleChangedDirect(b, admin.to_string().c_str(), "customer");
  });
  CHECK(all_feed->closed_within(std::chrono::seconds(10)) == 1008);

  append(**store, ada, EventType::kRefreshTokenFamilyRevoked,
         [&](flatbuffers::FlatBufferBuilder& b) {
           return events::CreateRefreshTokenFamilyRevokedDirect(
               b, ada.to_string().c_str(), family.to_string().c_str(), "reuse_detected");
         });
  CHECK(ada_feed->closed_within(std::chrono::seconds(10)) == 1008);
  CHECK(hub.session_ended(family));
  CHECK_FALSE(hub.session_ended(other_family));
  // The others are untouched: the admin's own feed, Ada's other session.
  CHECK(own_feed->closed_within(std::chrono::milliseconds(300)) == 0);
  CHECK(ada_other->closed_within(std::chrono::milliseconds(300)) == 0);
  CHECK(hub.clients() == 2);
  u1();  // unsubscribing a closed connection is harmless
  u2();
  u4();
  CHECK(hub.clients() == 0);
}

TEST_CASE("ws hub: a failing read of the log backs off instead of spinning") {
  TempDir dir;
  auto store = eventstore::EventStore::open(dir.sub("store"));
  REQUIRE(store.is_ok());
  // The first event's owner is looked up while the test closes the store
  // under the hub: every read after it fails (shutting_down).
  std::mutex mu;
  std::condition_variable cv;
  bool asked = false, release = false;
  api::notify::push::WsHub hub(**store, [&](const Uuid&) -> std::optional<Uuid> {
    std::unique_lock lock(mu);
    asked = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return std::nullopt;
  });
  const Uuid order = new_id();
  append(**store, order, EventType::kOrderConfirmed, [&](flatbuffers::FlatBufferBuilder& b) {
    return events::CreateOrderConfirmedDirect(b, order.to_string().c_str());
  });
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return asked; }));
  }
  for (int i = 0; i < 5; ++i) {
    append(**store, order, EventType::kOrderConfirmed, [&](flatbuffers::FlatBufferBuilder& b) {
      return events::CreateOrderConfirmedDirect(b, order.to_string().c_str());
    });
  }
  REQUIRE((*store)->close().is_ok());
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  // Before, the hub retried a failed read at once, forever: a core spinning.
  // Its follower backs off (100 ms doubling): a handful of tries in 2 s.
  const uint64_t failures = hub.log_read_failures();
  CHECK(failures >= 2);
  CHECK(failures <= 10);
  CHECK(hub.position() == 1);
}
