// The payments read model: GET /api/payments/{id}.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

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
  void apply(const EventView& event) override;
  RowChanges take_changes() override;
  Status load_row(std::string_view key, std::string_view value) override;
  void clear() override;

  std::optional<PaymentRow> get(std::string_view id) const;

 private:
  absl::flat_hash_map<Uuid, PaymentRow, UuidHash> payments_;
  absl::flat_hash_set<Uuid, UuidHash> dirty_;
};

}  // namespace orderly::projections
