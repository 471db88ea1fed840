#include "api/notify/push/ws_hub.h"

#include <nats/nats.h>

#include <vector>

#include "api/nats/stream_follower.h"
#include "core/json_writer.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/schemas/user_events_generated.h"
#include "core/text.h"

namespace orderly::api::notify::push {

WsHub::WsHub(const eventstore::EventStore& log,
             std::function<std::optional<Uuid>(const Uuid&)> owner, std::string nats_url,
             std::string subject_prefix)
    : log_(&log),
      owner_of_order_(std::move(owner)),
      nats_url_(std::move(nats_url)),
      subject_prefix_(std::move(subject_prefix)) {
  position_.store(log_->last_position());  // live from now on: history is in the API
  deadline_thread_ = std::thread([this] { run_deadlines(); });
  if (!nats_url_.empty()) {
    auto follower = make_follower();
    if (follower->try_start()) {
      follower_ = std::move(follower);
      return;
    }
  }
  eventstore::FollowerOptions o;
  o.start_after = position_.load();
  log_follower_ = std::make_unique<eventstore::LogFollower>(
      *log_, "ws-hub", eventstore::each_event([this](const EventView& ev) {
        dispatch(ev);
        return Status::ok();
      }),
      o);
  (void)log_follower_->start();  // (no checkpoint to load: it cannot fail)
}

WsHub::WsHub(std::function<std::optional<Uuid>(const Uuid&)> owner, std::string nats_url,
             std::string subject_prefix)
    : log_(nullptr),
      owner_of_order_(std::move(owner)),
      nats_url_(std::move(nats_url)),
      subject_prefix_(std::move(subject_prefix)) {
  deadline_thread_ = std::thread([this] { run_deadlines(); });
  follower_ = make_follower();
  follower_->start();  // retries in the background until NATS answers
}

WsHub::~WsHub() {
  {
    MutexLock lock(mu_);  // so that run_deadlines cannot miss the wake-up
    stopping_.store(true);
  }
  deadline_cv_.notify_all();
  if (deadline_thread_.joinable())
    deadline_thread_.join();
  if (log_follower_)
    log_follower_->stop();
  if (follower_)
    follower_->stop();  // no callback runs after this
}

std::unique_ptr<nats::StreamFollower> WsHub::make_follower() {
  nats::FollowOptions o;
  o.url = nats_url_;
  o.subject = subject_prefix_ + ".>";
  o.from_first = false;  // live from now on: history is in the API
  o.on_message = [this](const natsMsg* msg, uint64_t) {
    // The payload is the envelope.
    std::vector<uint64_t> storage;
    auto view = decode_event_copy({reinterpret_cast<const uint8_t*>(natsMsg_GetData(msg)),
                                   static_cast<size_t>(natsMsg_GetDataLength(msg))},
                                  storage);
    // Positions only grow: one not past the last pushed is a repeat (a
    // stream that NATS made anew, followed again from an earlier point).
    if (view.is_ok() && !stopping_.load() && view->position() > position_.load())
      dispatch(*view);
  };
  return std::make_unique<nats::StreamFollower>(std::move(o));
}

void WsHub::dispatch(const EventView& ev) {
  MutexLock order(dispatch_mu_);
  end_sessions(ev);
  Message m = message_for(ev);
  const TimestampUs pushed_at = now_us();
  MutexLock lock(mu_);
  for (auto& [id, s] : subscribers_) {
    const bool theirs = !m.owner.is_nil() && s.session.user == m.owner;
    if (!s.session.all && !theirs)
      continue;
    if (!theirs || !recorder_) {  // an admin's view of others' events: not recorded
      s.sink->send(m.json);
      continue;
    }
    s.sink->send(m.json,
                 [recorder = recorder_, user = m.owner, type = m.type, position = ev.position(),
                  pushed_at](http::WsDelivery d, std::string_view why) {
                   commands::WebSocketPushOutcome o;
                   o.user_id = user;
                   o.type = type;
                   o.source_position = position;
                   o.pushed_at = pushed_at;
                   o.dropped = d == http::WsDelivery::kDropped;
                   if (o.dropped)
                     o.reason = why;
                   recorder->record(std::move(o));
                 });
  }
  position_.store(ev.position());
}

void WsHub::record_pushes(std::shared_ptr<commands::WebSocketPushRecorder> recorder) {
  MutexLock lock(mu_);
  recorder_ = std::move(recorder);
}

WsSession ws_session_of(const Uuid& user, bool all, const auth::AccessClaims& claims) {
  WsSession session;
  session.user = user;
  session.all = all;
  session.family = Uuid::parse(claims.sid).value_or(Uuid{});
  session.expires_at = claims.exp * 1'000'000;
  return session;
}

std::function<void()> WsHub::subscribe(const WsSession& session,
                                       std::shared_ptr<http::WsSink> sink) {
  // A refused connection is closed with `refusal` and `why`, outside the lock.
  int refusal = 0;
  const char* why = "";
  std::shared_ptr<http::WsSink> refused;
  uint64_t id = 0;
  {
    MutexLock lock(mu_);
    // Checked again here, under the lock that end_sessions and close_all
    // take: a session that ended, or a hub that closed, between the caller's
    // checks and now gets no connection that would outlive it.
    size_t same_user = 0;
    for (const auto& [other, s] : subscribers_)
      same_user += s.session.user == session.user;
    if (closed_) {
      refusal = 1001;
      why = "the server is shutting down";
    } else if (!session.family.is_nil() && ended_.contains(session.family)) {
      refusal = 1008;
      why = "the session has ended";
    } else if (same_user >= kMaxClientsPerUser) {
      refusal = 1013;
      why = "too many connections for this user";
    }
    if (refusal != 0) {
      refused = std::move(sink);
    } else {
      id = next_id_++;
      subscribers_[id] = {session, std::move(sink)};
      if (session.expires_at > 0)
        deadlines_.emplace(session.expires_at, id);
    }
  }
  if (refusal != 0) {
    refused->close(refusal, why);
    return [] {};
  }
  if (session.expires_at > 0)
    deadline_cv_.notify_all();
  return [this, id] {
    MutexLock lock(mu_);
    auto it = subscribers_.find(id);
    if (it == subscribers_.end())
      return;  // closed by the hub already
    erase_deadline(it->second.session.expires_at, id);
    subscribers_.erase(it);
  };
}

void WsHub::erase_deadline(TimestampUs at, uint64_t id) {
  auto [b, e] = deadlines_.equal_range(at);
  for (auto it = b; it != e; ++it) {
    if (it->second == id) {
      deadlines_.erase(it);
      return;
    }
  }
}

void WsHub::close_where(const std::function<bool(const Subscriber&)>& ends, const char* why) {
  std::vector<std::shared_ptr<http::WsSink>> gone;
  {
    MutexLock lock(mu_);
    for (auto it = subscribers_.begin(); it != subscribers_.end();) {
      if (ends(it->second)) {
        erase_deadline(it->second.session.expires_at, it->first);
        gone.push_back(std::move(it->second.sink));
        it = subscribers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& sink : gone)
    sink->close(1008, why);  // policy violation: the credentials are no longer good
}

void WsHub::end_sessions(const EventView& ev) {
  Uuid family;
  const char* why = "";
  switch (ev.type()) {
    case EventType::kRefreshTokenRevoked:
      family = fb_uuid(ev.as<events::RefreshTokenRevoked>()->family_id());
      why = "the session was logged out";
      break;
    case EventType::kRefreshTokenFamilyRevoked:
      family = fb_uuid(ev.as<events::RefreshTokenFamilyRevoked>()->family_id());
      why = "the session was revoked";
      break;
    case EventType::kUserStatusChanged: {
      // Deactivated or closed: every connection of the account ends (the
      // family revocations that follow would close them one by one; a
      // connection opened with a token without a session closes here too).
      const auto* e = ev.as<events::UserStatusChanged>();
      if (fb_string(e->status()) == "active")
        return;
      const Uuid user = fb_uuid(e->user_id());
      close_where([&](const Subscriber& s) { return s.session.user == user; },
                  "the account is no longer active");
      return;
    }
    case EventType::kUserRoleChanged: {
      const auto* e = ev.as<events::UserRoleChanged>();
      if (fb_string(e->role()) == "admin")
        return;
      const Uuid user = fb_uuid(e->user_id());
      close_where([&](const Subscriber& s) { return s.session.all && s.session.user == user; },
                  "scope=all is for admins");
      return;
    }
    default:
      return;
  }
  if (family.is_nil())
    return;  // an event from before issue 19 names no family
  {
    MutexLock lock(mu_);
    const TimestampUs now = now_us();
    const TimestampUs keep =
        std::chrono::duration_cast<std::chrono::microseconds>(remember_ended_).count();
    while (!ended_order_.empty() &&
           (ended_order_.front().first + keep < now || ended_order_.size() >= kMaxEndedSessions)) {
      ended_.erase(ended_order_.front().second);
      ended_order_.pop_front();
    }
    if (ended_.insert(family).second)
      ended_order_.emplace_back(now, family);
  }
  close_where([&](const Subscriber& s) { return s.session.family == family; }, why);
}

bool WsHub::session_ended(const Uuid& family) const {
  MutexLock lock(mu_);
  return !family.is_nil() && ended_.contains(family);
}

void WsHub::remember_ended_sessions_for(std::chrono::seconds remember) {
  MutexLock lock(mu_);
  remember_ended_ = remember;
}

void WsHub::run_deadlines() {
  while (true) {
    std::vector<std::shared_ptr<http::WsSink>> gone;
    {
      MutexLock lock(mu_);
      TimestampUs now = 0;
      while (true) {  // until a deadline has passed
        if (stopping_.load())
          return;
        if (deadlines_.empty()) {
          lock.wait(deadline_cv_);
          continue;
        }
        const TimestampUs next = deadlines_.begin()->first;
        now = now_us();
        if (next <= now)
          break;
        lock.wait_until(deadline_cv_,
                        std::chrono::steady_clock::now() + std::chrono::microseconds(next - now));
      }
      while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        auto it = subscribers_.find(deadlines_.begin()->second);
        if (it != subscribers_.end()) {
          gone.push_back(std::move(it->second.sink));
          subscribers_.erase(it);
        }
        deadlines_.erase(deadlines_.begin());
      }
    }
    for (auto& sink : gone)
      sink->close(1008, "the access token expired");
  }
}

size_t WsHub::clients_of(const Uuid& user) const {
  MutexLock lock(mu_);
  size_t n = 0;
  for (const auto& [id, s] : subscribers_)
    n += s.session.user == user;
  return n;
}

void WsHub::close_all() {
  std::unordered_map<uint64_t, Subscriber> gone;
  {
    MutexLock lock(mu_);
    closed_ = true;
    gone.swap(subscribers_);
    deadlines_.clear();
  }
  for (auto& [id, s] : gone)
    s.sink->close(1001, "the server is shutting down");
}

size_t WsHub::clients() const {
  MutexLock lock(mu_);
  return subscribers_.size();
}

WsHub::Message WsHub::message_for(const EventView& ev) {
  Message m;
  JsonWriter w;
  w.begin_object();
  auto order_owner = [&](const Uuid& order) REQUIRES(dispatch_mu_) {
    if (auto it = order_owner_.find(order); it != order_owner_.end())
      return it->second;
    const Uuid owner = owner_of_order_(order).value_or(Uuid{});
    if (!owner.is_nil())
      order_owner_[order] = owner;
    return owner;
  };
  auto status_change = [&](const flatbuffers::String* order, const char* status)
                           REQUIRES(dispatch_mu_) {
                             const Uuid id = fb_uuid(order);
                             m.owner = order_owner(id);
                             m.type = "order.status_changed";
                             w.field("type", m.type).field("order_id", id).field("status", status);
                           };
  switch (ev.type()) {
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      const Uuid id = fb_uuid(e->order_id());
      m.owner = fb_uuid(e->user_id());
      order_owner_[id] = m.owner;
      m.type = "order.created";
      w.field("type", m.type)
          .field("order_id", id)
          .field("status", "pending")
          .field("total_cents", e->total_cents());
      break;
    }
    case EventType::kOrderConfirmed:
      status_change(ev.as<events::OrderConfirmed>()->order_id(), "confirmed");
      break;
    case EventType::kOrderShipped:
      status_change(ev.as<events::OrderShipped>()->order_id(), "shipped");
      break;
    case EventType::kOrderDelivered:
      status_change(ev.as<events::OrderDelivered>()->order_id(), "delivered");
      break;
    case EventType::kOrderCancelled: {
      const auto* e = ev.as<events::OrderCancelled>();
      status_change(e->order_id(), "cancelled");
      w.field("reason", fb_string(e->reason()));
      break;
    }
    case EventType::kPaymentCreated: {
      const auto* e = ev.as<events::PaymentCreated>();
      m.owner = fb_uuid(e->user_id());
      payment_owner_[fb_uuid(e->payment_id())] = m.owner;
      m.type = "payment.created";
      w.field("type", m.type)
          .field("payment_id", fb_uuid(e->payment_id()))
          .field("order_id", fb_uuid(e->order_id()))
          .field("status", "requires_confirmation");
      break;
    }
    case EventType::kPaymentSucceeded:
    case EventType::kPaymentFailed:
    case EventType::kPaymentRefunded:
    case EventType::kPaymentProcessing:
    case EventType::kPaymentActionRequired:
    case EventType::kPaymentCanceled: {
      // The customer's page follows its payment: each move, and where to go
      // for 3-D Secure.
      const flatbuffers::String *payment = nullptr, *order = nullptr, *next_action = nullptr;
      const char* status = "";
      std::string type;
      switch (ev.type()) {
        case EventType::kPaymentSucceeded:
          payment = ev.as<events::PaymentSucceeded>()->payment_id();
          order = ev.as<events::PaymentSucceeded>()->order_id();
          status = "succeeded";
          break;
        case EventType::kPaymentFailed: {
          const auto* e = ev.as<events::PaymentFailed>();
          payment = e->payment_id();
          order = e->order_id();
          status = e->retryable() ? "requires_payment_method" : "failed";
          type = "payment.failed";
          break;
        }
        case EventType::kPaymentRefunded:
          payment = ev.as<events::PaymentRefunded>()->payment_id();
          order = ev.as<events::PaymentRefunded>()->order_id();
          status = "refunded";
          break;
        case EventType::kPaymentProcessing:
          payment = ev.as<events::PaymentProcessing>()->payment_id();
          order = ev.as<events::PaymentProcessing>()->order_id();
          status = "processing";
          break;
        case EventType::kPaymentActionRequired: {
          const auto* e = ev.as<events::PaymentActionRequired>();
          payment = e->payment_id();
          order = e->order_id();
          next_action = e->next_action_url();
          status = "requires_action";
          break;
        }
        default:
          payment = ev.as<events::PaymentCanceled>()->payment_id();
          order = ev.as<events::PaymentCanceled>()->order_id();
          status = "canceled";
          break;
      }
      const Uuid pid = fb_uuid(payment), oid = fb_uuid(order);
      auto it = payment_owner_.find(pid);
      m.owner = it != payment_owner_.end() ? it->second : order_owner(oid);
      m.type = type.empty() ? std::string("payment.") + status : type;
      w.field("type", m.type)
          .field("payment_id", pid)
          .field("order_id", oid)
          .field("status", status);
      if (next_action != nullptr)
        w.field("next_action_url", fb_string(next_action));
      break;
    }
    default:
      m.type = ev.type_name();
      w.field("type", m.type).field("stream", ev.stream());
      break;
  }
  w.field("position", ev.position()).field("time", format_rfc3339(ev.time_us())).end_object();
  m.json = w.take();
  return m;
}

bool WsHub::from_nats() const {
  return follower_ && follower_->subscribed();
}

}  // namespace orderly::api::notify::push
