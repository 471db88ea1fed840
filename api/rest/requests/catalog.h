// Bodies of the catalog routes to commands (api/rest/routes/catalog.cpp):
// pure functions of the JSON object, shared by the handlers, the unit tests
// and the fuzz target (tests/fuzz/fuzz_api_json.cpp). Errors: invalid_argument
// naming every wrong field (api/rest/requests/parsed.h).
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "commands/command.h"
#include "core/status.h"
#include "core/uuid.h"

namespace orderly::api::rest::requests {

// POST /api/products as product `id`; a body without a sku gets one made
// from the id, and without a currency "" (the shop's).
Result<commands::CreateProduct> create_product_from(const boost::json::object& body,
                                                    const Uuid& id);
// PATCH /api/products/{id}: only the fields sent change.
Result<commands::UpdateProduct> update_product_from(const boost::json::object& body,
                                                    const Uuid& id);
// PUT /api/products/{id}: every editable field (name, description,
// price_cents, category) is required, so a full replace never keeps a field
// by accident; the same command as PATCH with all of them set.
Result<commands::UpdateProduct> replace_product_from(const boost::json::object& body,
                                                     const Uuid& id);
// PUT /api/products/{id}/stock: SetStock for {"stock"}, AdjustStock for
// {"delta"}; exactly one of them.
Result<commands::Command> stock_change_from(const boost::json::object& body, const Uuid& id);

// POST /api/analytics/events: a product viewed or a search made. Whether the
// product exists is the handler's to check (the catalog read model).
struct AnalyticsEvent {
  std::optional<Uuid> product_viewed;
  std::optional<std::string> searched;
};
Result<AnalyticsEvent> analytics_event_from(const boost::json::object& body);

}  // namespace orderly::api::rest::requests
