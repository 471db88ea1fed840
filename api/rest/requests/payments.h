// Bodies of the payment routes to commands (api/rest/routes/payments.cpp):
// pure functions of the JSON object, shared by the handlers, the unit tests
// and the fuzz target. Errors: invalid_argument naming every wrong field
// (api/rest/requests/parsed.h).
#pragma once

#include <boost/json/object.hpp>

#include <optional>

#include "commands/command.h"
#include "core/status.h"
#include "core/uuid.h"

namespace orderly::api::rest::requests {

// POST /api/payments as payment `id`
Result<commands::CreatePayment> payment_from(const boost::json::object& body, const Uuid& id);
// POST /api/payments/{id}/confirm
Result<commands::ConfirmPayment> payment_confirmation_from(const boost::json::object& body,
                                                           const Uuid& payment);
// POST /api/payments/{id}/refund with a body: the amount (none: the rest).
Result<std::optional<int64_t>> refund_amount_from(const boost::json::object& body);
// POST /api/payments/{id}/authenticate: {result: "approve" | "fail"}
Result<commands::AuthenticatePayment> payment_authentication_from(const boost::json::object& body,
                                                                  const Uuid& payment);
// POST /api/payments/webhook, once its signature was checked:
// {id, type, created, data: {payment_id, amount_cents, refund_id?,
// dispute_id?, reason?, next_action_url?}}. Members the provider adds
// beyond these are ignored (providers grow their payloads); the ones a type
// needs are required: amount_cents for payment.succeeded, refund.* and the
// dispute, refund_id for refund.*, dispute_id for the dispute,
// next_action_url (http or https) for payment.requires_action.
Result<commands::ApplyPaymentWebhook> payment_webhook_from(const boost::json::object& body);

// The longest provider ids (event, refund, dispute) and texts accepted.
inline constexpr size_t kMaxProviderIdBytes = 255;
inline constexpr size_t kMaxWebhookReasonBytes = 500;
inline constexpr size_t kMaxNextActionUrlBytes = 2048;

}  // namespace orderly::api::rest::requests
