#include "api/rest/requests/payment_list.h"

#include <boost/json/object.hpp>

#include <string_view>

#include "api/rest/requests/parsed.h"

namespace orderly::api::rest::requests {

namespace {

// The statuses a payment is shown with (as projections/payment_status.h;
// this folder sees no read model).
constexpr std::string_view kShownStatuses[] = {"requires_payment_method",
                                               "requires_confirmation",
                                               "requires_action",
                                               "processing",
                                               "succeeded",
                                               "failed",
                                               "canceled",
                                               "partially_refunded",
                                               "refunded"};

bool shown_status(std::string_view s) {
  for (std::string_view known : kShownStatuses) {
    if (known == s)
      return true;
  }
  return false;
}

}  // namespace

Result<PaymentListQuery> payment_list_query_from(const QueryParam& param) {
  static const boost::json::object no_body;
  Fields f(no_body);  // collects the parameters' errors
  PaymentListQuery q;
  if (auto s = param("status"); s && !s->empty()) {
    if (shown_status(*s)) {
      q.status = *s;
    } else {
      f.add("status",
            "must be requires_payment_method, requires_confirmation, requires_action, "
            "processing, succeeded, failed, canceled, partially_refunded or refunded");
    }
  }
  for (auto [name, out] : {std::pair{"order_id", &q.order_id}, std::pair{"user_id", &q.user_id}}) {
    if (auto id = param(name); id && !id->empty()) {
      if (Uuid::parse(*id))
        *out = *id;
      else
        f.add(name, "must be an id");
    }
  }
  constexpr std::string_view kInstantHelp =
      "must be an RFC 3339 date (2026-11-21) or date-time (2026-11-21T10:00:00Z)";
  for (auto [name, out] : {std::pair{"from", &q.from}, std::pair{"to", &q.to}}) {
    if (auto text = param(name); text && !(*out = instant_from(*text)))
      f.add(name, std::string(kInstantHelp));
  }
  if (f.ok() && q.from && q.to && *q.to <= *q.from)
    f.add("to", "must be after from");
  if (!f.ok())
    return invalid_fields("the query parameters are not valid", f);
  return q;
}

}  // namespace orderly::api::rest::requests
