#include "api/notify/email/email_sender.h"

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

#include "api/notify/email/rfc5322.h"
#include "core/mutex.h"
#include "core/schemas/notification_events_generated.h"
#include "core/text.h"
#include "core/thread_name.h"

namespace orderly::api::notify::email {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

std::string money(int64_t cents, std::string_view currency) {
  if (currency.size() != 3)
    currency = "USD";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld %.3s", cents < 0 ? "-" : "",
                static_cast<long long>(std::llabs(cents) / 100),
                static_cast<long long>(std::llabs(cents) % 100), currency.data());
  return buf;
}

std::string order_label(const Uuid& order_id) {
  // The random end: a UUIDv7 starts with the time, alike for orders placed together.
  std::string label = "#" + order_id.to_string().substr(28);
  for (char& c : label)
    c = c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c;
  return label;
}

std::map<std::string, std::string> email_vars(const requests::EmailFacts& f,
                                              const std::string& public_url) {
  std::map<std::string, std::string> vars;
  vars["order_ref"] = order_label(f.order_id);
  std::string base = public_url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  vars["order_url"] = base + "/#/orders/" + f.order_id.to_string();
  if (!f.reason.empty())
    vars["reason"] = f.reason;
  if (f.amount_cents)
    vars["amount"] = money(*f.amount_cents, f.currency);
  if (!f.lines.empty()) {
    std::string text, html = "<table>\n";
    for (const auto& l : f.lines) {
      text += "  " + std::to_string(l.quantity) + " x " + l.name + " at " +
              money(l.unit_price_cents, f.currency) + " = " +
              money(l.line_total_cents, f.currency) + "\n";
      html += "<tr><td>" + std::to_string(l.quantity) + " &times; </td><td>";
      for (char c : l.name)
        html += c == '<'   ? std::string("&lt;")
                : c == '&' ? std::string("&amp;")
                           : std::string(1, c);
      html += "</td><td>" + money(l.line_total_cents, f.currency) + "</td></tr>\n";  // short lines
    }
    vars["lines_text"] = text;
    vars["lines_html"] = html + "</table>";
    vars["total"] = money(f.total_cents, f.currency);
  }
  if (!f.username.empty())
    vars["username"] = f.username;
  if (!f.action_page.empty() && !f.action_token.empty()) {
    // In the fragment: browsers send no fragment to any server, so the
    // token reaches no access log; the page removes it from the address.
    vars["action_url"] = base + "/#/" + f.action_page + "?token=" + f.action_token;
    vars["expires_in"] = f.expires_in;
  }
  if (!f.new_email.empty())
    vars["new_email"] = f.new_email;
  return vars;
}

struct EmailSender::Impl {
  EmailDeliveryOptions options;
  EmailHooks hooks;

  // When each email that may be sent is next due, earliest first: the sender
  // takes the head rather than scanning every pending email for each one it
  // sends (a backlog of thousands made that quadratic).
  using Schedule = std::multimap<Clock::time_point, Uuid>;
  struct Pending {
    PendingEmail email;
    bool in_flight = false;    // the sender has it now
    bool sent = false;         // delivered: never again, whatever comes before its Sent event
    bool given_up = false;     // out of attempts: waits for an admin's retry
    bool retry_asked = false;  // a retry came while it was in flight
    uint32_t budget_from = 0;  // attempts made before the last retry (each retry: a new budget)
    std::optional<Schedule::iterator> slot;  // in `schedule`: neither in flight, sent nor given up
  };
  mutable Mutex mu;
  std::condition_variable cv;  // pending changed, ready, or stopping
  absl::flat_hash_map<Uuid, Pending, UuidHash> pending GUARDED_BY(mu);
  Schedule schedule GUARDED_BY(mu);
  bool stopping GUARDED_BY(mu) = false;
  std::atomic<bool> stop_flag{false};  // stopping, for an SMTP attempt in flight
  bool ready GUARDED_BY(mu) = false;
  uint64_t sent GUARDED_BY(mu) = 0, failed_attempts GUARDED_BY(mu) = 0;
  std::thread sender;

  Impl(EmailDeliveryOptions o, EmailHooks h) : options(std::move(o)), hooks(std::move(h)) {}

  void unschedule(Pending& p) REQUIRES(mu) {
    if (p.slot)
      schedule.erase(*p.slot);
    p.slot.reset();
  }
  void schedule_at(const Uuid& id, Pending& p, Clock::time_point at) REQUIRES(mu) {
    unschedule(p);
    p.slot = schedule.emplace(at, id);
  }

  void track(const EventView& ev) EXCLUDES(mu) {
    MutexLock lock(mu);
    switch (ev.type()) {
      case EventType::kNotificationRequested: {
        const auto* e = ev.as<events::NotificationRequested>();
        if (fb_string(e->channel()) != "email")
          break;
        const Uuid id = fb_uuid(e->notification_id());
        Pending& p = pending[id];
        p.email.recipient = fb_string(e->recipient());
        p.email.template_name = fb_string(e->template_());
        p.email.source_position = e->source_position();
        if (!p.in_flight && !p.sent && !p.given_up)
          schedule_at(id, p, Clock::now());
        break;
      }
      case EventType::kNotificationRetryRequested: {
        auto it =
            pending.find(fb_uuid(ev.as<events::NotificationRetryRequested>()->notification_id()));
        if (it != pending.end() && !it->second.sent) {
          Pending& p = it->second;
          p.given_up = false;
          p.budget_from = p.email.attempts;
          if (p.in_flight)
            p.retry_asked = true;  // applied when the attempt in flight ends
          else
            schedule_at(it->first, p, Clock::now());
        }
        break;
      }
      case EventType::kNotificationSent: {
        auto it = pending.find(fb_uuid(ev.as<events::NotificationSent>()->notification_id()));
        if (it != pending.end()) {
          unschedule(it->second);
          pending.erase(it);
        }
        break;
      }
      case EventType::kNotificationFailed: {
        const auto* e = ev.as<events::NotificationFailed>();
        auto it = pending.find(fb_uuid(e->notification_id()));
        if (it == pending.end())
          break;
        it->second.email.attempts = std::max(it->second.email.attempts, e->attempt());
        // Given up: kept so an admin's retry can re-queue it.
        if (!e->will_retry() && !it->second.in_flight) {
          it->second.given_up = true;
          unschedule(it->second);
        }
        break;
      }
      default:
        return;
    }
    cv.notify_all();
  }

  Status deliver(const Uuid& id, const Email& email) {
    if (options.smtp_url.empty())
      return write_eml(options.outbox_dir, id.to_string(), email);
    SmtpOptions smtp;
    smtp.url = options.smtp_url;
    smtp.tls = options.smtp_tls;
    smtp.ca_file = options.smtp_ca_file;
    smtp.stopping = &stop_flag;
    return send_smtp(smtp, email);
  }

  Result<Email> render(const Uuid& id, const PendingEmail& p) {
    auto email = hooks.render(id, p);
    if (!email)
      return email;
    email->from = options.mail_from;
    email->to = p.recipient;
    email->message_id = rfc5322_message_id(id.to_string(), options.mail_from);
    return email;
  }

  void send_loop() EXCLUDES(mu) {
    {
      MutexLock lock(mu);
      while (!ready && !stopping)
        lock.wait(cv);  // the pending set is complete
    }
    while (true) {
      // The next due notification, marked in flight; none once stopping.
      Uuid due;
      PendingEmail job;
      uint32_t budget_from = 0;
      {
        MutexLock lock(mu);
        while (!stopping && due.is_nil()) {
          const auto now = Clock::now();
          if (!schedule.empty() && schedule.begin()->first <= now) {
            due = schedule.begin()->second;
            Pending& p = pending[due];
            unschedule(p);
            p.in_flight = true;
            job = p.email;
            budget_from = p.budget_from;
            break;
          }
          const auto wake = schedule.empty()
                                ? now + std::chrono::seconds(1)
                                : std::min(now + std::chrono::seconds(1), schedule.begin()->first);
          (void)lock.wait_until(cv, wake);
        }
        if (due.is_nil())
          return;  // stopping
      }
      // Known sent already (by an earlier run whose record we have not
      // seen yet): nothing to do but wait for the record.
      if (hooks.still_pending) {
        auto open = hooks.still_pending(due);
        if (open && !*open) {
          MutexLock lock(mu);
          if (auto it = pending.find(due); it != pending.end()) {
            it->second.in_flight = false;
            it->second.sent = true;
          }
          continue;
        }
      }
      auto email = render(due, job);
      Status st = email ? deliver(due, *email) : email.status();
      if (st.is_ok()) {
        (void)hooks.record_sent(due);  // unrecorded: sent again later (SMTP has no idempotency key)
        MutexLock lock(mu);
        ++sent;
        if (auto it = pending.find(due); it != pending.end()) {
          it->second.in_flight = false;
          it->second.sent = true;
        }
        continue;
      }
      // The engine could not be asked (rendering needs it when alone), or
      // the notifier stops mid-attempt: not the email's fault, so not an
      // attempt; try again later.
      const bool engine_away = (!email && email.status().code() == ErrorCode::kIOError) ||
                               st.code() == ErrorCode::kShuttingDown;
      const uint32_t attempt = job.attempts + 1;
      const bool retry = attempt - budget_from < options.max_attempts;
      if (!engine_away)
        (void)hooks.record_failed(due, st.message().substr(0, 900), retry);
      MutexLock lock(mu);
      if (!engine_away)
        ++failed_attempts;
      if (auto it = pending.find(due); it != pending.end()) {
        Pending& p = it->second;
        p.in_flight = false;
        const uint32_t n = engine_away ? 1 : attempt - budget_from;
        auto backoff = options.first_backoff * (1 << std::min<uint32_t>(n - 1, 16));
        auto next_at =
            Clock::now() + std::min<std::chrono::milliseconds>(backoff, options.max_backoff);
        if (!engine_away) {
          p.email.attempts = std::max(p.email.attempts, attempt);
          p.given_up = !retry;
        }
        if (p.retry_asked) {  // an admin asked during the attempt: go again now
          p.retry_asked = false;
          p.given_up = false;
          next_at = Clock::now();
        }
        if (!p.given_up)
          schedule_at(it->first, p, next_at);
      }
    }
  }
};

EmailSender::EmailSender(EmailDeliveryOptions options, EmailHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(hooks))) {}

EmailSender::~EmailSender() {
  stop();
}

void EmailSender::track(const EventView& event) {
  impl_->track(event);
}

void EmailSender::mark_ready() {
  {
    MutexLock lock(impl_->mu);
    impl_->ready = true;
  }
  impl_->cv.notify_all();
}

void EmailSender::start() {
  // The outbox exists from the start, so an operator (or a test) looking for
  // the emails finds the directory before the first one is written.
  if (impl_->options.smtp_url.empty() && !impl_->options.outbox_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(impl_->options.outbox_dir, ec);
  }
  if (!impl_->sender.joinable())
    impl_->sender = std::thread([this] {
      name_this_thread("email-sender");
      impl_->send_loop();
    });
}

void EmailSender::stop() {
  {
    MutexLock lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->stop_flag.store(true);
  impl_->cv.notify_all();
  if (impl_->sender.joinable())
    impl_->sender.join();
}

EmailSenderStats EmailSender::stats() const {
  MutexLock lock(impl_->mu);
  EmailSenderStats s;
  s.sent = impl_->sent;
  s.failed_attempts = impl_->failed_attempts;
  for (const auto& [id, p] : impl_->pending)
    s.pending += p.sent || p.given_up ? 0 : 1;
  return s;
}

}  // namespace orderly::api::notify::email
