// GET /api/payments's query string (api/rest/routes/payments.cpp): a pure
// function of the parameters, shared by the handler and the unit tests.
// Errors: invalid_argument naming every wrong parameter (422
// validation_failed).
#pragma once

#include <optional>
#include <string>

#include "api/rest/requests/analytics.h"
#include "core/clock.h"
#include "core/status.h"

namespace orderly::api::rest::requests {

struct PaymentListQuery {
  std::string status;    // a shown status (projections/payment_status.h); empty: any
  std::string order_id;  // a UUID; empty: any
  std::string user_id;   // a UUID; empty: any (admins only: customers see their own)
  // created_at from `from` (included) to `to` (not included), each an RFC
  // 3339 date (midnight UTC) or date-time, as the analytics routes take.
  std::optional<TimestampUs> from, to;
};

// ?status&order_id&user_id&from&to (page and per_page are the list's own).
Result<PaymentListQuery> payment_list_query_from(const QueryParam& param);

}  // namespace orderly::api::rest::requests
