#include "projections/payments.h"

#include <boost/json.hpp>

#include "core/json_writer.h"
#include "core/schemas/payment_events_generated.h"
#include "core/text.h"

namespace orderly::projections {

namespace json = boost::json;

void PaymentsReadModel::apply(const EventView& ev) {
  auto touch = [&](const flatbuffers::String* id) -> PaymentRow* {
    const Uuid uuid = fb_uuid(id);
    auto it = payments_.find(uuid);
    if (it == payments_.end())
      return nullptr;
    it->second.updated_at = ev.time_us();
    dirty_.insert(uuid);
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
      dirty_.insert(id);
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
        p->status = "failed";
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
    default:
      break;
  }
}

RowChanges PaymentsReadModel::take_changes() {
  RowChanges out;
  out.reserve(dirty_.size());
  for (const Uuid& id : dirty_) {
    const PaymentRow& p = payments_.at(id);
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
  dirty_.clear();
  return out;
}

Status PaymentsReadModel::load_row(std::string_view key, std::string_view value) {
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  const auto id = key.starts_with("p/") ? Uuid::parse(key.substr(2)) : std::nullopt;
  if (ec || !v.is_object() || !id)
    return Status::corruption("payments row " + std::string(key) + " is damaged; rebuild it");
  try {
    const json::object& o = v.as_object();
    PaymentRow p;
    auto str = [&](const char* k) { return json::value_to<std::string>(o.at(k)); };
    p.id = str("id");
    p.order_id = str("order_id");
    p.user_id = str("user_id");
    p.currency = str("currency");
    p.payment_method = str("payment_method");
    p.failure_reason = str("failure_reason");
    p.status = str("status");
    p.amount_cents = o.at("amount_cents").to_number<int64_t>();
    p.refunded_cents = o.at("refunded_cents").to_number<int64_t>();
    p.created_at = o.at("created_at").to_number<int64_t>();
    p.updated_at = o.at("updated_at").to_number<int64_t>();
    payments_[*id] = std::move(p);
  } catch (const std::exception& e) {
    return Status::corruption("payments row " + std::string(key) + " is damaged (" + e.what() +
                              "); rebuild it");
  }
  return Status::ok();
}

void PaymentsReadModel::clear() {
  payments_.clear();
  dirty_.clear();
}

std::optional<PaymentRow> PaymentsReadModel::get(std::string_view id) const {
  const auto uuid = Uuid::parse(id);
  if (!uuid)
    return std::nullopt;
  std::shared_lock lock(mutex());
  auto it = payments_.find(*uuid);
  if (it == payments_.end())
    return std::nullopt;
  return it->second;
}

}  // namespace orderly::projections
