#include "api/notify/email_notifier.h"

#include <absl/container/flat_hash_map.h>
#include <nats/nats.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "api/notify/email.h"
#include "core/digest.h"
#include "core/schemas/notification_events_generated.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/text.h"
#include "projections/orders.h"
#include "projections/users.h"

namespace orderly::api {

namespace {

using Clock = std::chrono::steady_clock;

std::string money(int64_t cents) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld USD", cents < 0 ? "-" : "",
                static_cast<long long>(std::llabs(cents) / 100),
                static_cast<long long>(std::llabs(cents) % 100));
  return buf;
}

// What a domain event means for email: the template and the order.
struct Trigger {
  const char* template_name = nullptr;
  Uuid order_id, user_id;  // user nil: the order's owner
};

Trigger trigger_of(const EventView& ev) {
  switch (ev.type()) {
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      return {"order_placed", fb_uuid(e->order_id()), fb_uuid(e->user_id())};
    }
    case EventType::kOrderConfirmed:
      return {"order_confirmed", fb_uuid(ev.as<events::OrderConfirmed>()->order_id()), {}};
    case EventType::kOrderShipped:
      return {"order_shipped", fb_uuid(ev.as<events::OrderShipped>()->order_id()), {}};
    case EventType::kOrderDelivered:
      return {"order_delivered", fb_uuid(ev.as<events::OrderDelivered>()->order_id()), {}};
    case EventType::kOrderCancelled:
      return {"order_cancelled", fb_uuid(ev.as<events::OrderCancelled>()->order_id()), {}};
    case EventType::kPaymentSucceeded:
      return {"payment_succeeded", fb_uuid(ev.as<events::PaymentSucceeded>()->order_id()), {}};
    case EventType::kPaymentRefunded:
      return {"payment_refunded", fb_uuid(ev.as<events::PaymentRefunded>()->order_id()), {}};
    default:
      return {};
  }
}

}  // namespace

struct EmailNotifier::Impl {
  eventstore::EventStore& log;
  commands::CommandProcessor& processor;
  const projections::ProjectionRunner& models;
  EmailNotifierOptions options;

  struct Pending {
    std::string recipient, template_name;
    uint64_t source_position = 0;
    uint32_t attempts = 0;
    Clock::time_point next_at;
    bool done = false;  // sent or given up, recorded: waiting for the log to say so
  };
  mutable std::mutex mu;
  std::condition_variable cv;
  absl::flat_hash_map<Uuid, Pending, UuidHash> pending;
  bool stopping = false;
  bool ready = false;  // the pending set has been rebuilt from the log
  uint64_t position = 0, sent = 0, failed_attempts = 0;
  std::thread follower, sender, nats_thread;

  Impl(eventstore::EventStore& l, commands::CommandProcessor& p,
       const projections::ProjectionRunner& m, EmailNotifierOptions o)
      : log(l), processor(p), models(m), options(std::move(o)) {}

  void sleep_for(std::chrono::milliseconds d) {
    const auto until = Clock::now() + d;
    while (!is_stopping() && Clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  bool is_stopping() {
    std::lock_guard lock(mu);
    return stopping;
  }

  commands::CommandMeta engine() const {
    commands::CommandMeta m;
    m.role = commands::Role::kEngine;
    return m;
  }

  // Notification events: what is pending.
  void track(const EventView& ev) {
    std::lock_guard lock(mu);
    switch (ev.type()) {
      case EventType::kNotificationRequested: {
        const auto* e = ev.as<events::NotificationRequested>();
        if (fb_string(e->channel()) != "email")
          break;
        Pending& p = pending[fb_uuid(e->notification_id())];
        p.recipient = fb_string(e->recipient());
        p.template_name = fb_string(e->template_());
        p.source_position = e->source_position();
        p.next_at = Clock::now();
        break;
      }
      case EventType::kNotificationRetryRequested: {
        auto it =
            pending.find(fb_uuid(ev.as<events::NotificationRetryRequested>()->notification_id()));
        if (it != pending.end()) {
          it->second.done = false;
          it->second.next_at = Clock::now();
        }
        break;
      }
      case EventType::kNotificationSent:
        pending.erase(fb_uuid(ev.as<events::NotificationSent>()->notification_id()));
        break;
      case EventType::kNotificationFailed: {
        const auto* e = ev.as<events::NotificationFailed>();
        auto it = pending.find(fb_uuid(e->notification_id()));
        if (it == pending.end())
          break;
        it->second.attempts = e->attempt();
        // Given up: kept (done) so an admin's retry can re-queue it.
        if (!e->will_retry())
          it->second.done = true;
        break;
      }
      default:
        break;
    }
    cv.notify_all();
  }

  // A domain event that mails its order's owner: record the request.
  void request(const EventView& ev) {
    const Trigger t = trigger_of(ev);
    if (t.template_name == nullptr)
      return;
    Uuid user = t.user_id;
    if (user.is_nil()) {
      // The orders read model knows the owner once it has applied this event.
      (void)models.wait_for("orders", ev.position(), std::chrono::seconds(10));
      auto orders = models.current_as<projections::OrdersReadModel>("orders");
      auto o = orders ? orders->get(t.order_id.to_string()) : std::nullopt;
      if (!o)
        return;
      user = Uuid::parse(o->user_id).value_or(Uuid{});
    }
    (void)models.wait_for("users", ev.position(), std::chrono::seconds(10));
    auto users = models.current_as<projections::UsersReadModel>("users");
    auto u = users ? users->get(user.to_string()) : std::nullopt;
    if (!u || u->email.empty())
      return;  // nobody to write to
    commands::RequestNotification r{
        notification_id(ev.position()), user, "email", t.template_name, u->email, ev.position()};
    auto done = processor.execute(r, engine());
    (void)done;  // already_exists: asked before (a redelivery); anything else is logged by stats
  }

  void rebuild_pending(uint64_t upto) {
    eventstore::LogQuery q;
    q.to_position = upto;
    q.types = {EventType::kNotificationRequested, EventType::kNotificationRetryRequested,
               EventType::kNotificationSent, EventType::kNotificationFailed};
    (void)log.scan(q, [&](const EventView& ev) {
      track(ev);
      return true;
    });
  }

  // Step 1 from NATS: a durable pull consumer, in stream order, each
  // message acked once its request is recorded.
  void consume_nats(uint64_t start_after) {
    std::chrono::milliseconds backoff(100);
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    natsSubscription* sub = nullptr;
    auto drop = [&] {
      if (sub)
        natsSubscription_Destroy(sub);
      if (js)
        jsCtx_Destroy(js);
      if (nc) {
        natsConnection_Close(nc);
        natsConnection_Destroy(nc);
      }
      sub = nullptr;
      js = nullptr;
      nc = nullptr;
    };
    while (!is_stopping()) {
      if (sub == nullptr) {
        natsOptions* no = nullptr;
        natsOptions_Create(&no);
        natsOptions_SetURL(no, options.nats_url.c_str());
        natsOptions_SetMaxReconnect(no, -1);
        natsOptions_SetReconnectWait(no, 200);
        const bool ok = natsConnection_Connect(&nc, no) == NATS_OK;
        natsOptions_Destroy(no);
        jsSubOptions so;
        jsSubOptions_Init(&so);
        so.Stream = options.stream.c_str();
        so.Config.AckPolicy = js_AckExplicit;
        // A new durable starts after what the log follower has seen (stream
        // sequence = log position: the fan-out publishes each position once).
        so.Config.DeliverPolicy = js_DeliverByStartSequence;
        so.Config.OptStartSeq = start_after + 1;
        const std::string subject = options.subject_prefix + ".>";
        if (!ok || natsConnection_JetStream(&js, nc, nullptr) != NATS_OK ||
            js_PullSubscribe(&sub, js, subject.c_str(), options.durable.c_str(), nullptr, &so,
                             nullptr) != NATS_OK) {
          sub = nullptr;
          drop();
          sleep_for(backoff);
          backoff = std::min(backoff * 2, options.max_backoff);
          continue;
        }
        backoff = std::chrono::milliseconds(100);
      }
      natsMsgList list{};
      const natsStatus s = natsSubscription_Fetch(&list, sub, 256, 500, nullptr);
      if (s == NATS_TIMEOUT)
        continue;
      if (s != NATS_OK) {
        sleep_for(backoff);  // NATS away: the library reconnects meanwhile
        backoff = std::min(backoff * 2, options.max_backoff);
        continue;
      }
      backoff = std::chrono::milliseconds(100);
      for (int i = 0; i < list.Count && !is_stopping(); ++i) {
        natsMsg* msg = list.Msgs[i];
        std::vector<uint64_t> storage;
        auto view = decode_event_copy({reinterpret_cast<const uint8_t*>(natsMsg_GetData(msg)),
                                       static_cast<size_t>(natsMsg_GetDataLength(msg))},
                                      storage);
        if (view.is_ok())
          request(*view);
        natsMsg_Ack(msg, nullptr);
      }
      natsMsgList_Destroy(&list);
    }
    drop();
  }

  void follow() {
    auto saved = log.load_checkpoint(options.checkpoint);
    uint64_t at = saved ? *saved : 0;
    // The whole log's notification state first (not just up to the
    // checkpoint: a "sent" after it must be known before the sender starts).
    const uint64_t tracked_upto = log.last_position();
    rebuild_pending(tracked_upto);
    {
      std::lock_guard lock(mu);
      ready = true;
    }
    cv.notify_all();
    const bool from_nats = !options.nats_url.empty();
    if (from_nats)
      nats_thread = std::thread([this, at] { consume_nats(at); });
    while (!is_stopping()) {
      if (log.last_position() <= at) {
        log.wait_for_position(at + 1, std::chrono::milliseconds(200));
        continue;
      }
      eventstore::LogQuery q;
      q.from_position = at + 1;
      q.limit = 256;
      std::vector<uint64_t> positions;
      Status st = log.scan(q, [&](const EventView& ev) {
        if (ev.position() > tracked_upto)
          track(ev);
        if (!from_nats)
          request(ev);
        at = ev.position();
        return !is_stopping();
      });
      if (!st.is_ok())
        continue;
      (void)log.save_checkpoint(options.checkpoint, at);
      std::lock_guard lock(mu);
      position = at;
    }
  }

  // The email for a pending notification.
  Result<Email> render(const Uuid& id, const Pending& p) {
    auto source = log.read_event(p.source_position);
    if (!source)
      return source.status();
    const EventView ev = source->view();
    const Trigger t = trigger_of(ev);
    std::map<std::string, std::string> vars;
    vars["order_ref"] =
        t.order_id.to_string().substr(24);  // the random end: UUIDv7 starts with the time
    if (ev.type() == EventType::kOrderCancelled)
      vars["reason"] = fb_string(ev.as<events::OrderCancelled>()->reason());
    if (ev.type() == EventType::kPaymentSucceeded)
      vars["amount"] = money(ev.as<events::PaymentSucceeded>()->amount_cents());
    if (ev.type() == EventType::kPaymentRefunded)
      vars["amount"] = money(ev.as<events::PaymentRefunded>()->amount_cents());
    auto orders = models.current_as<projections::OrdersReadModel>("orders");
    if (auto o = orders ? orders->get(t.order_id.to_string()) : std::nullopt) {
      std::string text, html = "<table>";
      for (const auto& l : o->items) {
        text += "  " + std::to_string(l.quantity) + " x " + l.name + " at " +
                money(l.unit_price_cents) + " = " + money(l.line_total_cents) + "\n";
        html += "<tr><td>" + std::to_string(l.quantity) + " &times; </td><td>";
        for (char c : l.name)
          html += c == '<'   ? std::string("&lt;")
                  : c == '&' ? std::string("&amp;")
                             : std::string(1, c);
        html += "</td><td>" + money(l.line_total_cents) + "</td></tr>";
      }
      vars["lines_text"] = text;
      vars["lines_html"] = html + "</table>";
      vars["total"] = money(o->total_cents);
      auto users = models.current_as<projections::UsersReadModel>("users");
      if (auto u = users ? users->get(o->user_id) : std::nullopt)
        vars["username"] = u->username;
    }
    auto email = render_email(p.template_name, vars);
    if (!email)
      return email.status();
    email->from = options.mail_from;
    email->to = p.recipient;
    email->message_id = "<" + id.to_string() + "@orderly>";
    return email;
  }

  Status deliver(const Uuid& id, const Email& email) {
    if (options.smtp_url.empty())
      return write_eml(options.outbox_dir, id.to_string(), email);
    return send_smtp({options.smtp_url, 15}, email);
  }

  void send_loop() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return ready || stopping; });  // the pending set is complete
    while (!stopping) {
      // The next due notification.
      Uuid due;
      Pending job;
      auto wake = Clock::now() + std::chrono::seconds(1);
      for (auto& [id, p] : pending) {
        if (p.done)
          continue;
        if (p.next_at <= Clock::now()) {
          due = id;
          job = p;
          break;
        }
        wake = std::min(wake, p.next_at);
      }
      if (due.is_nil()) {
        cv.wait_until(lock, wake);
        continue;
      }
      pending[due].done = true;  // in flight: not picked again
      lock.unlock();
      auto email = render(due, job);
      Status st = email ? deliver(due, *email) : email.status();
      if (st.is_ok()) {
        (void)processor.execute(commands::RecordNotificationSent{due}, engine());
        lock.lock();
        ++sent;
        continue;
      }
      const uint32_t attempt = job.attempts + 1;
      const bool retry = attempt < options.max_attempts;
      (void)processor.execute(
          commands::RecordNotificationFailed{due, st.message().substr(0, 900), retry}, engine());
      lock.lock();
      ++failed_attempts;
      if (auto it = pending.find(due); it != pending.end()) {
        auto backoff = options.first_backoff * (1 << std::min<uint32_t>(attempt - 1, 16));
        it->second.attempts = attempt;
        it->second.next_at =
            Clock::now() + std::min<std::chrono::milliseconds>(backoff, options.max_backoff);
        it->second.done = !retry;
      }
    }
  }
};

EmailNotifier::EmailNotifier(eventstore::EventStore& log, commands::CommandProcessor& processor,
                             const projections::ProjectionRunner& models,
                             EmailNotifierOptions options)
    : impl_(std::make_unique<Impl>(log, processor, models, std::move(options))) {}

EmailNotifier::~EmailNotifier() {
  stop();
}

Status EmailNotifier::start() {
  if (impl_->follower.joinable())
    return Status::invalid_argument("the email notifier is running");
  impl_->follower = std::thread([this] { impl_->follow(); });
  impl_->sender = std::thread([this] { impl_->send_loop(); });
  return Status::ok();
}

void EmailNotifier::stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->follower.joinable())
    impl_->follower.join();
  if (impl_->sender.joinable())
    impl_->sender.join();
  if (impl_->nats_thread.joinable())
    impl_->nats_thread.join();
}

EmailNotifierStats EmailNotifier::stats() const {
  std::lock_guard lock(impl_->mu);
  EmailNotifierStats s;
  s.position = impl_->position;
  s.sent = impl_->sent;
  s.failed_attempts = impl_->failed_attempts;
  for (const auto& [id, p] : impl_->pending)
    s.pending += p.done ? 0 : 1;
  return s;
}

Uuid EmailNotifier::notification_id(uint64_t position) {
  const std::string hex = digest128_hex("email:" + std::to_string(position));
  const std::string text = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
                           "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
  return *Uuid::parse(text);
}

}  // namespace orderly::api
