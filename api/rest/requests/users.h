// The staff's user routes (api/rest/routes/users.cpp) read and validated:
// pure functions of the query parameters and the JSON body, shared by the
// handlers, the unit tests and the fuzz target (tests/fuzz/fuzz_api_json.cpp).
// Errors: invalid_argument naming every wrong field (api/rest/requests/parsed.h).
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "commands/command.h"
#include "core/status.h"
#include "core/uuid.h"

namespace orderly::api::rest::requests {

// GET /api/admin/users ?q&role&status (paging is Call::page_query's): "" for
// a filter not sent. `q` is at most kMaxUserQueryBytes of text, `role`
// customer|admin, `status` active|deactivated|closed.
struct UserQuery {
  std::string q, role, status;
};
inline constexpr size_t kMaxUserQueryBytes = 200;
Result<UserQuery> user_query_from(const std::optional<std::string>& q,
                                  const std::optional<std::string>& role,
                                  const std::optional<std::string>& status);

// PUT /api/admin/users/{id}/role: {"role": "customer"|"admin"}, nothing else.
Result<commands::ChangeRole> role_change_from(const boost::json::object& body, const Uuid& user);

// POST /api/admin/users/{id}/deactivate|reactivate with a body: {"reason"}
// (optional, at most kMaxStatusReasonBytes of text), recorded in the event.
inline constexpr size_t kMaxStatusReasonBytes = 200;
Result<std::string> status_reason_from(const boost::json::object& body);

}  // namespace orderly::api::rest::requests
