// The payments read model: GET /api/payments, /api/payments/{id} and
// /api/admin/payments/webhooks answer from it.
//
// Each payment's whole history as the log tells it: the status shown
// (the writer's, then partially_refunded | refunded once money went back;
// a dispute is a flag, not a status), every attempt (a payment method
// submitted), refund, dispute and webhook delivery. Webhook deliveries for
// payments it does not know ("webhook-..." streams) are kept for the
// operator, the newest kMaxUnknownWebhooks. Lists are newest first; a
// user's list walks that user's payments, an admin's walks them all (the
// filters are checked row by row: payments are far fewer than events).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/uuid.h"
#include "projections/page.h"
#include "projections/projection.h"

namespace orderly::projections {

struct PaymentAttemptRow {
  uint32_t attempt = 0;  // 1, 2, ...
  std::string payment_method;
  std::string status;  // processing | requires_action | succeeded | failed | canceled
  TimestampUs at = 0;  // when it was submitted
};

struct PaymentRefundRow {
  std::string id;  // Orderly's refund id, or the provider's; empty in old events
  int64_t amount_cents = 0;
  std::string reason;  // order_cancelled | admin | order_not_payable | provider
  std::string status;  // pending | succeeded | failed
  TimestampUs requested_at = 0, finished_at = 0;  // finished_at 0: pending
};

struct PaymentDisputeRow {
  std::string id;
  int64_t amount_cents = 0;
  std::string reason;
  TimestampUs at = 0;
};

struct PaymentWebhookRow {
  std::string provider_event_id, type, payment_id, outcome, detail, refund_id, dispute_id;
  int64_t created_s = 0;  // the provider's clock, Unix seconds
  int64_t amount_cents = 0;
  TimestampUs received_at = 0;
};

struct PaymentRow {
  std::string id, order_id, user_id, currency, payment_method, failure_reason, next_action_url;
  // requires_payment_method | requires_confirmation | requires_action |
  // processing | succeeded | failed | canceled | partially_refunded | refunded
  std::string status;
  int64_t amount_cents = 0, refunded_cents = 0, pending_refund_cents = 0;
  bool disputed = false;
  std::vector<PaymentAttemptRow> attempts;
  std::vector<PaymentRefundRow> refunds;
  std::vector<PaymentDisputeRow> disputes;
  std::vector<PaymentWebhookRow> webhooks;
  TimestampUs created_at = 0, updated_at = 0;
};

// GET /api/payments's filters; empty or nullopt: any.
struct PaymentFilter {
  std::string user_id;  // customers: always their own
  std::string status;   // a shown status
  std::string order_id;
  std::optional<TimestampUs> from, to;  // created_at in [from, to)
};

using PaymentPage = Page<PaymentRow>;
using PaymentWebhookPage = Page<PaymentWebhookRow>;

class PaymentsReadModel final : public Projection {
 public:
  static constexpr size_t kMaxUnknownWebhooks = 1000;

  std::string_view name() const override { return "payments"; }
  void apply(const EventView& event) override REQUIRES(mutex_);
  Rows rows() const override REQUIRES_SHARED(mutex_);
  void save(BinaryWriter& out) const override REQUIRES_SHARED(mutex_);
  Status load(BinaryReader& in) override REQUIRES(mutex_);
  void clear() override REQUIRES(mutex_);

  std::optional<PaymentRow> get(std::string_view id) const;
  // Newest first (by creation).
  PaymentPage list(const PaymentFilter& filter, int page, int per_page) const;
  // Deliveries for payments it does not know, newest first.
  PaymentWebhookPage unknown_webhooks(int page, int per_page) const;

 private:
  PaymentRow* find(std::string_view id) REQUIRES(mutex_);

  absl::flat_hash_map<Uuid, PaymentRow, UuidHash> payments_ GUARDED_BY(mutex_);
  std::vector<Uuid> by_seq_ GUARDED_BY(mutex_);  // creation order
  absl::flat_hash_map<Uuid, std::vector<Uuid>, UuidHash> by_user_ GUARDED_BY(mutex_);
  std::deque<PaymentWebhookRow> unknown_webhooks_ GUARDED_BY(mutex_);  // oldest first
};

}  // namespace orderly::projections
