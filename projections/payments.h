// The payments read model: GET /api/payments/{id}.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/uuid.h"
#include "projections/projection.h"

namespace orderly::projections {

struct PaymentRow {
  std::string id, order_id, user_id, currency, payment_method, failure_reason;
  std::string status;  // requires_confirmation | succeeded | failed | refunded | partially_refunded
  int64_t amount_cents = 0, refunded_cents = 0;
  TimestampUs created_at = 0, updated_at = 0;
};

class PaymentsReadModel final : public Projection {
 public:
  std::string_view name() const override { return "payments"; }
  void apply(const EventView& event) override REQUIRES(mutex_);
  Rows rows() const override REQUIRES_SHARED(mutex_);
  void save(BinaryWriter& out) const override REQUIRES_SHARED(mutex_);
  Status load(BinaryReader& in) override REQUIRES(mutex_);
  void clear() override REQUIRES(mutex_);

  std::optional<PaymentRow> get(std::string_view id) const;

 private:
  absl::flat_hash_map<Uuid, PaymentRow, UuidHash> payments_ GUARDED_BY(mutex_);
};

}  // namespace orderly::projections
