// The live feed behind /ws/notifications: follows the log from where it
// was when the server started and pushes one JSON message per event to the
// WebSocket clients it concerns (the customer whose order or payment it
// is; admins with ?scope=all get every event). Events for one user never
// reach another.
//
// Recorded pushes (record_pushes): each message pushed to a connection of
// the user the event concerns is a notification of channel "websocket",
// recorded sent once written to the socket or dropped (queue full,
// connection gone). Pushes an admin's ?scope=all feed receives for events
// that are not theirs are NOT recorded: that feed is monitoring, not a
// message to the admin, and it would turn every event of the shop into one
// more notification row per watching admin (a read model that grows with
// the whole log, times the admins). This rule also keeps the recording
// from feeding itself: a batch of outcomes concerns nobody, so pushing it
// to ?scope=all feeds records nothing.
//
// Thread safety: subscribe/unsubscribe from any thread.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/http/server.h"
#include "api/nats/stream_follower.h"
#include "commands/ws_push_recorder.h"
#include "eventstore/store.h"
#include "projections/orders.h"

namespace orderly::api {

class WsHub {
 public:
  // `owner` resolves the owner of orders placed before the hub started.
  // With `nats_url` the hub takes its events from the JetStream stream the
  // fan-out fills (new messages only, gapless across NATS restarts: see
  // api/nats/stream_follower.h) instead of following the log itself; if
  // NATS cannot be reached at start it falls back to the log.
  WsHub(const eventstore::EventStore& log, std::function<std::optional<Uuid>(const Uuid&)> owner,
        std::string nats_url = "", std::string subject_prefix = "orderly.events");
  // NATS only, for `orderly notify websocket` (no log at hand): connects in
  // the background, retrying with backoff until NATS answers.
  WsHub(std::function<std::optional<Uuid>(const Uuid&)> owner, std::string nats_url,
        std::string subject_prefix = "orderly.events");
  ~WsHub();

  // At most this many connections per user: each one's pushes are recorded
  // (record_pushes), so one customer's sockets must not multiply the log.
  static constexpr size_t kMaxClientsPerUser = 16;

  // Returns the unsubscribe. A user's connection beyond kMaxClientsPerUser
  // is closed at once (1013, try again later).
  std::function<void()> subscribe(const Uuid& user, bool all, std::shared_ptr<WsSink> sink);
  size_t clients() const;
  size_t clients_of(const Uuid& user) const;
  // Closes every connection (1001 going away) and forgets them: at shutdown.
  void close_all();
  uint64_t position() const { return position_.load(); }
  // From now on, what becomes of each push to the user an event concerns
  // goes to `recorder` (null: nothing is recorded).
  void record_pushes(std::shared_ptr<commands::WebSocketPushRecorder> recorder);
  bool from_nats() const { return follower_ && follower_->subscribed(); }

  // The message an event makes for its owner, and the owner (nil: none).
  struct Message {
    Uuid owner;
    std::string type;  // the "type" in json
    std::string json;
  };
  Message message_for(const EventView& ev);

 private:
  void run();
  std::unique_ptr<StreamFollower> make_follower();
  void dispatch(const EventView& ev);

  const eventstore::EventStore* log_;  // null: NATS only
  std::function<std::optional<Uuid>(const Uuid&)> owner_of_order_;
  absl::flat_hash_map<Uuid, Uuid, UuidHash> order_owner_, payment_owner_;
  mutable std::mutex mu_;
  struct Subscriber {
    Uuid user;
    bool all;
    std::shared_ptr<WsSink> sink;
  };
  std::unordered_map<uint64_t, Subscriber> subscribers_;       // guarded by mu_
  std::shared_ptr<commands::WebSocketPushRecorder> recorder_;  // guarded by mu_
  uint64_t next_id_ = 1;
  std::atomic<uint64_t> position_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::string nats_url_, subject_prefix_;
  // Set in the constructors, before any other thread can look.
  std::unique_ptr<StreamFollower> follower_;
  std::mutex dispatch_mu_;  // message_for's owner maps: one event at a time
};

}  // namespace orderly::api
