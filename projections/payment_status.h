// The payment statuses the read models show (docs/design/payments.md): the
// writer's, then partially_refunded | refunded once money went back.
#pragma once

#include <cstdint>
#include <iterator>
#include <string_view>

namespace orderly::projections {

// Saved in snapshots as their index: append only.
inline constexpr std::string_view kPaymentStatuses[] = {"requires_confirmation",
                                                        "succeeded",
                                                        "failed",
                                                        "refunded",
                                                        "partially_refunded",
                                                        "processing",
                                                        "requires_action",
                                                        "requires_payment_method",
                                                        "canceled"};
inline constexpr uint8_t kPaymentStatusCount = std::size(kPaymentStatuses);

// Its index, or kPaymentStatusCount for another name.
inline uint8_t payment_status_index(std::string_view status) {
  uint8_t i = 0;
  while (i < kPaymentStatusCount && kPaymentStatuses[i] != status)
    ++i;
  return i;
}

// Money was captured: succeeded, or refunded since (in part or whole).
inline bool payment_captured(std::string_view status) {
  return status == "succeeded" || status == "partially_refunded" || status == "refunded";
}

// The status shown once refunded_total of amount went back.
inline std::string_view refunded_status(int64_t refunded_total, int64_t amount) {
  return refunded_total >= amount ? "refunded" : "partially_refunded";
}

}  // namespace orderly::projections
