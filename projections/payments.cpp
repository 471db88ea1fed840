#include "projections/payments.h"

#include <algorithm>
#include <iterator>
#include <span>

#include "core/json_writer.h"
#include "core/schemas/payment_events_generated.h"
#include "core/text.h"
#include "projections/payment_status.h"

namespace orderly::projections {

namespace {

// 2: the whole history (attempts, refunds, disputes, webhooks, the
// unknown-payment deliveries). Format 1 snapshots are refused: the model is
// folded again from the log.
constexpr uint32_t kSnapshotFormat = 2;
constexpr std::string_view kRefundStatuses[] = {"pending", "succeeded", "failed"};
// The least each record takes in a snapshot: bounds the counts load() accepts.
constexpr size_t kPaymentBytes = 16 + 7 * 4 + 1 + 4 * 8 + 1 + 2 * 8 + 4 * 4;
constexpr size_t kAttemptBytes = 4 + 4 + 1 + 8;
constexpr size_t kRefundBytes = 4 + 8 + 4 + 1 + 8 + 8;
constexpr size_t kDisputeBytes = 4 + 8 + 4 + 8;
constexpr size_t kWebhookBytes = 7 * 4 + 3 * 8;

template <size_t N>
uint8_t index_of(const std::string_view (&names)[N], std::string_view name) {
  uint8_t i = 0;
  while (i < N && names[i] != name)
    ++i;
  return i;  // one past the names for another one: load() refuses it
}

template <size_t N>
std::string name_at(const std::string_view (&names)[N], uint8_t i, BinaryReader& in) {
  if (i >= N) {
    in.fail();
    return {};
  }
  return std::string(names[i]);
}

bool is_open(const PaymentAttemptRow& a) {
  return a.status == "processing" || a.status == "requires_action";
}

// An outcome ends the open attempt (a webhook or an authentication after
// processing or 3-D Secure), or is an attempt of its own (inline cards).
PaymentAttemptRow& attempt_for(PaymentRow& p, std::string_view method, TimestampUs at) {
  if (!p.attempts.empty() && is_open(p.attempts.back()))
    return p.attempts.back();
  PaymentAttemptRow& a = p.attempts.emplace_back();
  a.attempt = static_cast<uint32_t>(p.attempts.size());
  a.payment_method = std::string(method);
  a.at = at;
  return a;
}

PaymentRefundRow* refund_by_id(PaymentRow& p, std::string_view id) {
  if (id.empty())
    return nullptr;
  for (PaymentRefundRow& r : p.refunds) {
    if (r.id == id)
      return &r;
  }
  return nullptr;
}

PaymentWebhookRow webhook_row(const events::PaymentWebhookReceived& e, TimestampUs at) {
  PaymentWebhookRow w;
  w.provider_event_id = fb_string(e.provider_event_id());
  w.type = fb_string(e.event_type());
  w.payment_id = fb_string(e.payment_id());
  w.outcome = fb_string(e.outcome());
  w.detail = fb_string(e.detail());
  w.refund_id = fb_string(e.refund_id());
  w.dispute_id = fb_string(e.dispute_id());
  w.created_s = e.created_s();
  w.amount_cents = e.amount_cents();
  w.received_at = at;
  return w;
}

void save_webhook(BinaryWriter& out, const PaymentWebhookRow& w) {
  for (const std::string* s : {&w.provider_event_id, &w.type, &w.payment_id, &w.outcome, &w.detail,
                               &w.refund_id, &w.dispute_id})
    out.bytes(*s);
  out.i64(w.created_s);
  out.i64(w.amount_cents);
  out.i64(w.received_at);
}

PaymentWebhookRow load_webhook(BinaryReader& in) {
  PaymentWebhookRow w;
  for (std::string* s : {&w.provider_event_id, &w.type, &w.payment_id, &w.outcome, &w.detail,
                         &w.refund_id, &w.dispute_id})
    *s = in.bytes();
  w.created_s = in.i64();
  w.amount_cents = in.i64();
  w.received_at = in.i64();
  return w;
}

void webhook_json(JsonWriter& w, const PaymentWebhookRow& h) {
  w.begin_object()
      .field("provider_event_id", h.provider_event_id)
      .field("type", h.type)
      .field("payment_id", h.payment_id)
      .field("outcome", h.outcome)
      .field("detail", h.detail)
      .field("refund_id", h.refund_id)
      .field("dispute_id", h.dispute_id)
      .field("created_s", h.created_s)
      .field("amount_cents", h.amount_cents)
      .field("received_at", h.received_at)
      .end_object();
}

}  // namespace

PaymentRow* PaymentsReadModel::find(std::string_view id) {
  auto it = payments_.find(Uuid::parse(id).value_or(Uuid{}));
  return it == payments_.end() ? nullptr : &it->second;
}

void PaymentsReadModel::apply(const EventView& ev) {
  const TimestampUs at = ev.time_us();
  auto touch = [&](const flatbuffers::String* id) REQUIRES(mutex_) -> PaymentRow* {
    PaymentRow* p = find(fb_string(id));
    if (p != nullptr)
      p->updated_at = at;
    return p;
  };
  switch (ev.type()) {
    case EventType::kPaymentCreated: {
      const auto* e = ev.as<events::PaymentCreated>();
      const Uuid id = fb_uuid(e->payment_id());
      auto [it, fresh] = payments_.try_emplace(id);
      if (!fresh)
        break;  // the writer never makes a payment twice
      PaymentRow& p = it->second;
      p.id = fb_string(e->payment_id());
      p.order_id = fb_string(e->order_id());
      p.user_id = fb_string(e->user_id());
      p.currency = fb_string(e->currency());
      p.amount_cents = e->amount_cents();
      p.status = "requires_confirmation";
      p.created_at = p.updated_at = at;
      by_seq_.push_back(id);
      by_user_[fb_uuid(e->user_id())].push_back(id);
      break;
    }
    case EventType::kPaymentProcessing: {
      const auto* e = ev.as<events::PaymentProcessing>();
      if (PaymentRow* p = touch(e->payment_id())) {
        p->status = "processing";
        p->payment_method = fb_string(e->payment_method());
        p->next_action_url.clear();
        p->failure_reason.clear();  // an earlier attempt's
        PaymentAttemptRow& a = p->attempts.emplace_back();
        a.attempt = e->attempt() != 0 ? e->attempt() : static_cast<uint32_t>(p->attempts.size());
        a.payment_method = p->payment_method;
        a.status = "processing";
        a.at = at;
      }
      break;
    }
    case EventType::kPaymentActionRequired: {
      const auto* e = ev.as<events::PaymentActionRequired>();
      if (PaymentRow* p = touch(e->payment_id())) {
        p->status = "requires_action";
        p->payment_method = fb_string(e->payment_method());
        p->next_action_url = fb_string(e->next_action_url());
        p->failure_reason.clear();
        attempt_for(*p, p->payment_method, at).status = "requires_action";
      }
      break;
    }
    case EventType::kPaymentSucceeded: {
      const auto* e = ev.as<events::PaymentSucceeded>();
      if (PaymentRow* p = touch(e->payment_id())) {
        p->status = "succeeded";
        p->payment_method = fb_string(e->payment_method());
        p->next_action_url.clear();
        p->failure_reason.clear();
        attempt_for(*p, p->payment_method, at).status = "succeeded";
      }
      break;
    }
    case EventType::kPaymentFailed: {
      const auto* e = ev.as<events::PaymentFailed>();
      if (PaymentRow* p = touch(e->payment_id())) {
        // Retryable (a failed 3-D Secure check): the customer may submit
        // another method to this payment.
        p->status = e->retryable() ? "requires_payment_method" : "failed";
        p->payment_method = fb_string(e->payment_method());
        p->failure_reason = fb_string(e->reason());
        p->next_action_url.clear();
        attempt_for(*p, p->payment_method, at).status = "failed";
      }
      break;
    }
    case EventType::kPaymentCanceled: {
      const auto* e = ev.as<events::PaymentCanceled>();
      if (PaymentRow* p = touch(e->payment_id())) {
        p->status = "canceled";
        p->next_action_url.clear();
        if (!p->attempts.empty() && is_open(p->attempts.back()))
          p->attempts.back().status = "canceled";  // cash on delivery never collected
      }
      break;
    }
    case EventType::kPaymentRefundRequested: {
      const auto* e = ev.as<events::PaymentRefundRequested>();
      if (PaymentRow* p = touch(e->payment_id())) {
        PaymentRefundRow& r = p->refunds.emplace_back();
        r.id = fb_string(e->refund_id());
        r.amount_cents = e->amount_cents();
        r.reason = fb_string(e->reason());
        r.status = "pending";
        r.requested_at = at;
        p->pending_refund_cents += r.amount_cents;
      }
      break;
    }
    case EventType::kPaymentRefunded: {
      const auto* e = ev.as<events::PaymentRefunded>();
      if (PaymentRow* p = touch(e->payment_id())) {
        PaymentRefundRow* r = refund_by_id(*p, fb_string(e->refund_id()));
        if (r != nullptr && r->status == "pending") {
          p->pending_refund_cents -= r->amount_cents;
        } else {
          // Refunded at once (inline), or made at the provider unasked.
          r = &p->refunds.emplace_back();
          r->id = fb_string(e->refund_id());
          r->reason = fb_string(e->reason());
          r->requested_at = at;
        }
        r->amount_cents = e->amount_cents();
        r->status = "succeeded";
        r->finished_at = at;
        p->refunded_cents = e->refunded_total_cents();
        p->status = refunded_status(p->refunded_cents, p->amount_cents);
      }
      break;
    }
    case EventType::kPaymentRefundFailed: {
      const auto* e = ev.as<events::PaymentRefundFailed>();
      if (PaymentRow* p = touch(e->payment_id())) {
        if (PaymentRefundRow* r = refund_by_id(*p, fb_string(e->refund_id()));
            r != nullptr && r->status == "pending") {
          p->pending_refund_cents -= r->amount_cents;
          r->status = "failed";
          r->finished_at = at;
        }
      }
      break;
    }
    case EventType::kPaymentDisputed: {
      const auto* e = ev.as<events::PaymentDisputed>();
      if (PaymentRow* p = touch(e->payment_id())) {
        p->disputed = true;
        p->disputes.push_back(
            {fb_string(e->dispute_id()), e->amount_cents(), fb_string(e->reason()), at});
      }
      break;
    }
    case EventType::kPaymentWebhookReceived: {
      const auto* e = ev.as<events::PaymentWebhookReceived>();
      PaymentRow* p = ev.stream().starts_with("payment-") ? touch(e->payment_id()) : nullptr;
      if (p != nullptr) {
        p->webhooks.push_back(webhook_row(*e, at));
      } else {
        unknown_webhooks_.push_back(webhook_row(*e, at));
        if (unknown_webhooks_.size() > kMaxUnknownWebhooks)
          unknown_webhooks_.pop_front();
      }
      break;
    }
    default:
      break;
  }
}

Rows PaymentsReadModel::rows() const {
  Rows out;
  out.reserve(payments_.size() + 1);
  for (const auto& [id, p] : payments_) {
    JsonWriter w;
    w.begin_object()
        .field("id", p.id)
        .field("order_id", p.order_id)
        .field("user_id", p.user_id)
        .field("currency", p.currency)
        .field("payment_method", p.payment_method)
        .field("failure_reason", p.failure_reason)
        .field("next_action_url", p.next_action_url)
        .field("status", p.status)
        .field("amount_cents", p.amount_cents)
        .field("refunded_cents", p.refunded_cents)
        .field("pending_refund_cents", p.pending_refund_cents)
        .field("disputed", p.disputed)
        .field("created_at", p.created_at)
        .field("updated_at", p.updated_at)
        .key("attempts")
        .begin_array();
    for (const auto& a : p.attempts) {
      w.begin_object()
          .field("attempt", uint64_t{a.attempt})
          .field("payment_method", a.payment_method)
          .field("status", a.status)
          .field("at", a.at)
          .end_object();
    }
    w.end_array().key("refunds").begin_array();
    for (const auto& r : p.refunds) {
      w.begin_object()
          .field("id", r.id)
          .field("amount_cents", r.amount_cents)
          .field("reason", r.reason)
          .field("status", r.status)
          .field("requested_at", r.requested_at)
          .field("finished_at", r.finished_at)
          .end_object();
    }
    w.end_array().key("disputes").begin_array();
    for (const auto& d : p.disputes) {
      w.begin_object()
          .field("id", d.id)
          .field("amount_cents", d.amount_cents)
          .field("reason", d.reason)
          .field("at", d.at)
          .end_object();
    }
    w.end_array().key("webhooks").begin_array();
    for (const auto& h : p.webhooks)
      webhook_json(w, h);
    w.end_array().end_object();
    out.emplace_back("p/" + p.id, w.take());
  }
  JsonWriter w;
  w.begin_array();
  for (const auto& h : unknown_webhooks_)
    webhook_json(w, h);
  w.end_array();
  out.emplace_back("unknown_webhooks", w.take());
  return out;
}

// Layout: format, the payments in creation order (each: its key, the
// strings as the events gave them, the status as an index in kPaymentStatuses,
// the numbers, then its attempts, refunds, disputes and webhooks, each a
// count and records), then the unknown-payment deliveries oldest first.
// by_user_ is derived: load() rebuilds it.
void PaymentsReadModel::save(BinaryWriter& out) const {
  out.u32(kSnapshotFormat);
  out.count(by_seq_.size());
  for (const Uuid& id : by_seq_) {
    const PaymentRow& p = payments_.at(id);
    out.uuid(id);
    for (const std::string* s : {&p.id, &p.order_id, &p.user_id, &p.currency, &p.payment_method,
                                 &p.failure_reason, &p.next_action_url})
      out.bytes(*s);
    out.u8(index_of(kPaymentStatuses, p.status));
    out.i64(p.amount_cents);
    out.i64(p.refunded_cents);
    out.i64(p.pending_refund_cents);
    out.boolean(p.disputed);
    out.i64(p.created_at);
    out.i64(p.updated_at);
    out.count(p.attempts.size());
    for (const auto& a : p.attempts) {
      out.u32(a.attempt);
      out.bytes(a.payment_method);
      out.u8(index_of(kPaymentStatuses, a.status));
      out.i64(a.at);
    }
    out.count(p.refunds.size());
    for (const auto& r : p.refunds) {
      out.bytes(r.id);
      out.i64(r.amount_cents);
      out.bytes(r.reason);
      out.u8(index_of(kRefundStatuses, r.status));
      out.i64(r.requested_at);
      out.i64(r.finished_at);
    }
    out.count(p.disputes.size());
    for (const auto& d : p.disputes) {
      out.bytes(d.id);
      out.i64(d.amount_cents);
      out.bytes(d.reason);
      out.i64(d.at);
    }
    out.count(p.webhooks.size());
    for (const auto& h : p.webhooks)
      save_webhook(out, h);
  }
  out.count(unknown_webhooks_.size());
  for (const auto& h : unknown_webhooks_)
    save_webhook(out, h);
}

Status PaymentsReadModel::load(BinaryReader& in) {
  clear();
  if (in.u32() != kSnapshotFormat)
    in.fail();
  const size_t n = in.count(kPaymentBytes);
  payments_.reserve(n);
  by_seq_.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    const Uuid id = in.uuid();
    PaymentRow p;
    for (std::string* s : {&p.id, &p.order_id, &p.user_id, &p.currency, &p.payment_method,
                           &p.failure_reason, &p.next_action_url})
      *s = in.bytes();
    p.status = name_at(kPaymentStatuses, in.u8(), in);
    p.amount_cents = in.i64();
    p.refunded_cents = in.i64();
    p.pending_refund_cents = in.i64();
    p.disputed = in.boolean();
    p.created_at = in.i64();
    p.updated_at = in.i64();
    const size_t attempts = in.count(kAttemptBytes);
    for (size_t k = 0; k < attempts && in.ok(); ++k) {
      PaymentAttemptRow& a = p.attempts.emplace_back();
      a.attempt = in.u32();
      a.payment_method = in.bytes();
      a.status = name_at(kPaymentStatuses, in.u8(), in);
      a.at = in.i64();
    }
    const size_t refunds = in.count(kRefundBytes);
    for (size_t k = 0; k < refunds && in.ok(); ++k) {
      PaymentRefundRow& r = p.refunds.emplace_back();
      r.id = in.bytes();
      r.amount_cents = in.i64();
      r.reason = in.bytes();
      r.status = name_at(kRefundStatuses, in.u8(), in);
      r.requested_at = in.i64();
      r.finished_at = in.i64();
    }
    const size_t disputes = in.count(kDisputeBytes);
    for (size_t k = 0; k < disputes && in.ok(); ++k) {
      PaymentDisputeRow& d = p.disputes.emplace_back();
      d.id = in.bytes();
      d.amount_cents = in.i64();
      d.reason = in.bytes();
      d.at = in.i64();
    }
    const size_t webhooks = in.count(kWebhookBytes);
    for (size_t k = 0; k < webhooks && in.ok(); ++k)
      p.webhooks.push_back(load_webhook(in));
    // The key is the id's binary form (nil for a malformed one, as apply()
    // keys it): a row whose text names another payment, or a payment twice,
    // is damage.
    const Uuid user = Uuid::parse(p.user_id).value_or(Uuid{});
    if (!in.ok() || Uuid::parse(p.id).value_or(Uuid{}) != id ||
        !payments_.try_emplace(id, std::move(p)).second) {
      in.fail();
      break;
    }
    by_seq_.push_back(id);
    by_user_[user].push_back(id);
  }
  const size_t unknown = in.count(kWebhookBytes);
  if (unknown > kMaxUnknownWebhooks)
    in.fail();
  for (size_t k = 0; k < unknown && in.ok(); ++k)
    unknown_webhooks_.push_back(load_webhook(in));
  Status status = in.finish("snapshot of read model payments");
  if (!status.is_ok())
    clear();
  return status;
}

void PaymentsReadModel::clear() {
  payments_.clear();
  by_seq_.clear();
  by_user_.clear();
  unknown_webhooks_.clear();
}

std::optional<PaymentRow> PaymentsReadModel::get(std::string_view id) const {
  const auto uuid = Uuid::parse(id);
  if (!uuid)
    return std::nullopt;
  ReaderLock lock(mutex_);
  auto it = payments_.find(*uuid);
  if (it == payments_.end())
    return std::nullopt;
  return it->second;
}

PaymentPage PaymentsReadModel::list(const PaymentFilter& f, int page, int per_page) const {
  PaymentPage out = PaymentPage::of(page, per_page);
  ReaderLock lock(mutex_);
  std::span<const Uuid> ids(by_seq_);
  if (!f.user_id.empty()) {
    const auto user = Uuid::parse(f.user_id);
    auto it = user ? by_user_.find(*user) : by_user_.end();
    if (it == by_user_.end())
      return out;
    ids = it->second;
  }
  auto wanted = [&](const PaymentRow& p) {
    return (f.status.empty() || p.status == f.status) &&
           (f.order_id.empty() || p.order_id == f.order_id) &&
           (!f.from || p.created_at >= *f.from) && (!f.to || p.created_at < *f.to);
  };
  size_t skip = out.offset();
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    const PaymentRow& p = payments_.at(*it);
    if (!wanted(p))
      continue;
    ++out.total;
    if (skip > 0)
      --skip;
    else if (out.items.size() < static_cast<size_t>(out.per_page))
      out.items.push_back(p);
  }
  return out;
}

PaymentWebhookPage PaymentsReadModel::unknown_webhooks(int page, int per_page) const {
  PaymentWebhookPage out = PaymentWebhookPage::of(page, per_page);
  ReaderLock lock(mutex_);
  out.fill(unknown_webhooks_.rbegin(), unknown_webhooks_.rend(), unknown_webhooks_.size(),
           [](const PaymentWebhookRow& w) { return w; });
  return out;
}

}  // namespace orderly::projections
