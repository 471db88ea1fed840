#include "projections/payments.h"

#include <iterator>

#include "core/json_writer.h"
#include "core/schemas/payment_events_generated.h"
#include "core/text.h"

namespace orderly::projections {

namespace {

constexpr uint32_t kSnapshotFormat = 1;
// The statuses apply() sets, saved as their index.
constexpr std::string_view kStatuses[] = {"requires_confirmation",
                                          "succeeded",
                                          "failed",
                                          "refunded",
                                          "partially_refunded",
                                          "processing",
                                          "requires_action",
                                          "requires_payment_method",
                                          "canceled"};
// The least a payment takes in a snapshot (key, six empty strings, status,
// four numbers): bounds the count load() accepts.
constexpr size_t kPaymentBytes = 16 + 6 * 4 + 1 + 4 * 8;

uint8_t status_index(std::string_view status) {
  uint8_t i = 0;
  while (i < std::size(kStatuses) && kStatuses[i] != status)
    ++i;
  return i;  // one past the names for another status: load() refuses it
}

}  // namespace

void PaymentsReadModel::apply(const EventView& ev) {
  auto touch = [&](const flatbuffers::String* id) REQUIRES(mutex_) -> PaymentRow* {
    const Uuid uuid = fb_uuid(id);
    auto it = payments_.find(uuid);
    if (it == payments_.end())
      return nullptr;
    it->second.updated_at = ev.time_us();
    return &it->second;
  };
  switch (ev.type()) {
    case EventType::kPaymentCreated: {
      const auto* e = ev.as<events::PaymentCreated>();
      const Uuid id = fb_uuid(e->payment_id());
      PaymentRow& p = payments_[id];
      p.id = fb_string(e->payment_id());
      p.order_id = fb_string(e->order_id());
      p.user_id = fb_string(e->user_id());
      p.currency = fb_string(e->currency());
      p.amount_cents = e->amount_cents();
      p.status = "requires_confirmation";
      p.created_at = p.updated_at = ev.time_us();
      break;
    }
    case EventType::kPaymentSucceeded: {
      const auto* e = ev.as<events::PaymentSucceeded>();
      if (PaymentRow* p = touch(e->payment_id())) {
        p->status = "succeeded";
        p->payment_method = fb_string(e->payment_method());
      }
      break;
    }
    case EventType::kPaymentFailed: {
      const auto* e = ev.as<events::PaymentFailed>();
      if (PaymentRow* p = touch(e->payment_id())) {
        p->status = e->retryable() ? "requires_payment_method" : "failed";
        p->payment_method = fb_string(e->payment_method());
        p->failure_reason = fb_string(e->reason());
      }
      break;
    }
    case EventType::kPaymentRefunded: {
      const auto* e = ev.as<events::PaymentRefunded>();
      if (PaymentRow* p = touch(e->payment_id())) {
        p->refunded_cents = e->refunded_total_cents();
        p->status = p->refunded_cents >= p->amount_cents ? "refunded" : "partially_refunded";
      }
      break;
    }
    case EventType::kPaymentProcessing: {
      const auto* e = ev.as<events::PaymentProcessing>();
      if (PaymentRow* p = touch(e->payment_id())) {
        p->status = "processing";
        p->payment_method = fb_string(e->payment_method());
      }
      break;
    }
    case EventType::kPaymentActionRequired: {
      const auto* e = ev.as<events::PaymentActionRequired>();
      if (PaymentRow* p = touch(e->payment_id())) {
        p->status = "requires_action";
        p->payment_method = fb_string(e->payment_method());
      }
      break;
    }
    case EventType::kPaymentCanceled: {
      const auto* e = ev.as<events::PaymentCanceled>();
      if (PaymentRow* p = touch(e->payment_id()))
        p->status = "canceled";
      break;
    }
    default:
      break;
  }
}

Rows PaymentsReadModel::rows() const {
  Rows out;
  out.reserve(payments_.size());
  for (const auto& [id, p] : payments_) {
    JsonWriter w;
    w.begin_object()
        .field("id", p.id)
        .field("order_id", p.order_id)
        .field("user_id", p.user_id)
        .field("currency", p.currency)
        .field("payment_method", p.payment_method)
        .field("failure_reason", p.failure_reason)
        .field("status", p.status)
        .field("amount_cents", p.amount_cents)
        .field("refunded_cents", p.refunded_cents)
        .field("created_at", p.created_at)
        .field("updated_at", p.updated_at)
        .end_object();
    out.emplace_back("p/" + p.id, w.take());
  }
  return out;
}

// Layout: format, then each payment: its key (the parsed id), the strings
// as the events gave them, the status as an index in kStatuses, amount,
// refunded, created, updated.
void PaymentsReadModel::save(BinaryWriter& out) const {
  out.u32(kSnapshotFormat);
  out.count(payments_.size());
  for (const auto& [id, p] : payments_) {
    out.uuid(id);
    for (const std::string* s :
         {&p.id, &p.order_id, &p.user_id, &p.currency, &p.payment_method, &p.failure_reason})
      out.bytes(*s);
    out.u8(status_index(p.status));
    out.i64(p.amount_cents);
    out.i64(p.refunded_cents);
    out.i64(p.created_at);
    out.i64(p.updated_at);
  }
}

Status PaymentsReadModel::load(BinaryReader& in) {
  clear();
  if (in.u32() != kSnapshotFormat)
    in.fail();
  const size_t n = in.count(kPaymentBytes);
  payments_.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    const Uuid id = in.uuid();
    PaymentRow p;
    for (std::string* s :
         {&p.id, &p.order_id, &p.user_id, &p.currency, &p.payment_method, &p.failure_reason})
      *s = in.bytes();
    const uint8_t status = in.u8();
    if (status >= std::size(kStatuses))
      in.fail();
    else
      p.status = kStatuses[status];
    p.amount_cents = in.i64();
    p.refunded_cents = in.i64();
    p.created_at = in.i64();
    p.updated_at = in.i64();
    // The key is the id's binary form (nil for a malformed one, as apply()
    // keys it): a row whose text names another payment is damage.
    if (Uuid::parse(p.id).value_or(Uuid{}) != id || !payments_.try_emplace(id, std::move(p)).second)
      in.fail();
  }
  Status status = in.finish("snapshot of read model payments");
  if (!status.is_ok())
    clear();
  return status;
}

void PaymentsReadModel::clear() {
  payments_.clear();
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

}  // namespace orderly::projections
