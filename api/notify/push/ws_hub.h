// The live feed behind /ws/notifications: follows the log from where it
// was when the server started (a log follower, eventstore/log_follower.h,
// with no checkpoint: what came before is in the API) and pushes one JSON message per event to the
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
// A connection lives no longer than the access token it was opened with
// (WsSession): it is closed with 1008 at the token's `exp`, when the
// token's session (refresh-token family) ends (logout, revoked on reuse,
// a password change or reset), every connection of an account that is
// deactivated or closed, and a ?scope=all feed when its admin is demoted.
// The feed learns these from the events it follows (and the engine hands
// it a command's events before answering: end_sessions).
//
// Thread safety: subscribe/unsubscribe from any thread.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <absl/container/flat_hash_set.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "api/auth/jwt.h"
#include "api/http/server.h"
#include "commands/ws_push_recorder.h"
#include "core/mutex.h"
#include "eventstore/log_follower.h"
#include "eventstore/store.h"
#include "projections/orders.h"

// NATS stays out of this header (api/nats/stream_follower.h): the route
// files include it through their context and must not see NATS.
namespace orderly::api::nats {
class StreamFollower;
}  // namespace orderly::api::nats

namespace orderly::api::notify::push {

// Who a connection is for, from the access token it was opened with.
struct WsSession {
  Uuid user;
  bool all = false;            // ?scope=all (an admin's)
  Uuid family;                 // the token's session; nil: unknown (older tokens)
  TimestampUs expires_at = 0;  // the token's exp; 0: none
};

// The session of a connection opened with a token of these claims, for
// `user`; `all` for an admin's ?scope=all.
WsSession ws_session_of(const Uuid& user, bool all, const auth::AccessClaims& claims);

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
  std::function<void()> subscribe(const WsSession& session, std::shared_ptr<http::WsSink> sink)
      EXCLUDES(mu_);
  std::function<void()> subscribe(const Uuid& user, bool all, std::shared_ptr<http::WsSink> sink) {
    return subscribe(WsSession{user, all, Uuid{}, 0}, std::move(sink));
  }
  // True when `family` was ended (logout, reuse) since the hub started and
  // within the last `remember` (set it to the access tokens' lifetime): an
  // access token of that session may not open a new connection.
  bool session_ended(const Uuid& family) const EXCLUDES(mu_);
  // Closes the connections an event ends (logout, revocation, demotion)
  // and remembers an ended session. The hub calls it for each event it
  // follows; the engine also hands it a command's events before answering
  // (routes/context.h, end_sessions_now), so that the next request with an
  // ended session's token is refused however far the feed lags. An event
  // seen twice changes nothing the second time.
  void end_sessions(const EventView& ev) EXCLUDES(mu_);
  void remember_ended_sessions_for(std::chrono::seconds remember) EXCLUDES(mu_);
  size_t clients() const EXCLUDES(mu_);
  size_t clients_of(const Uuid& user) const EXCLUDES(mu_);
  // Closes every connection (1001 going away) and forgets them, and refuses
  // (closes at once) any subscribed later: at shutdown.
  void close_all() EXCLUDES(mu_);
  uint64_t position() const { return position_.load(); }
  // From now on, what becomes of each push to the user an event concerns
  // goes to `recorder` (null: nothing is recorded).
  void record_pushes(std::shared_ptr<commands::WebSocketPushRecorder> recorder) EXCLUDES(mu_);
  bool from_nats() const;
  // Failed reads of the log (each retried after the follower's backoff).
  uint64_t log_read_failures() const { return log_follower_ ? log_follower_->failures() : 0; }

  // The message an event makes for its owner, and the owner (nil: none).
  // Called by dispatch, one event at a time (it learns owners as it goes).
  struct Message {
    Uuid owner;
    std::string type;  // the "type" in json
    std::string json;
  };
  Message message_for(const EventView& ev) REQUIRES(dispatch_mu_);

 private:
  struct Subscriber {
    WsSession session;
    std::shared_ptr<http::WsSink> sink;
  };

  std::unique_ptr<nats::StreamFollower> make_follower();
  void dispatch(const EventView& ev) EXCLUDES(dispatch_mu_, mu_);
  // Closes the connections `ends` picks, with 1008 and `why`.
  void close_where(const std::function<bool(const Subscriber&)>& ends, const char* why)
      EXCLUDES(mu_);
  // Closes connections whose token has expired, until the hub stops.
  void run_deadlines() EXCLUDES(mu_);
  void erase_deadline(TimestampUs at, uint64_t id) REQUIRES(mu_);

  // Ended sessions remembered at most (session_ended): a bound however
  // many logouts happen within the access tokens' lifetime.
  static constexpr size_t kMaxEndedSessions = 100'000;

  const eventstore::EventStore* log_;  // null: NATS only
  std::function<std::optional<Uuid>(const Uuid&)> owner_of_order_;
  Mutex dispatch_mu_;  // message_for's owner maps: one event at a time
  absl::flat_hash_map<Uuid, Uuid, UuidHash> order_owner_ GUARDED_BY(dispatch_mu_), payment_owner_
      GUARDED_BY(dispatch_mu_);
  mutable Mutex mu_ ACQUIRED_AFTER(dispatch_mu_);
  std::unordered_map<uint64_t, Subscriber> subscribers_ GUARDED_BY(mu_);
  std::multimap<TimestampUs, uint64_t> deadlines_ GUARDED_BY(mu_);  // exp -> id
  std::condition_variable deadline_cv_;                             // deadlines_ changed, or stop
  // Sessions ended lately, oldest first (session_ended).
  std::deque<std::pair<TimestampUs, Uuid>> ended_order_ GUARDED_BY(mu_);
  absl::flat_hash_set<Uuid, UuidHash> ended_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;  // close_all ran: no new connections
  std::chrono::seconds remember_ended_ GUARDED_BY(mu_){900};
  std::shared_ptr<commands::WebSocketPushRecorder> recorder_ GUARDED_BY(mu_);
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  std::atomic<uint64_t> position_{0};
  std::atomic<bool> stopping_{false};
  std::unique_ptr<eventstore::LogFollower> log_follower_;  // without NATS
  std::thread deadline_thread_;
  std::string nats_url_, subject_prefix_;
  // Set in the constructors, before any other thread can look.
  std::unique_ptr<nats::StreamFollower> follower_;
};

}  // namespace orderly::api::notify::push
