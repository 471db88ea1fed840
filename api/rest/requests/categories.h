// Bodies of the category routes to commands (api/rest/routes/categories.cpp):
// pure functions of the JSON object, shared by the handlers, the unit tests
// and the fuzz target (tests/fuzz/fuzz_api_json.cpp). Errors: invalid_argument
// naming every wrong field (api/rest/requests/parsed.h). Whether a slug is
// taken, a name unique or a category in use is the writer's to decide
// (commands/category.h).
#pragma once

#include <boost/json/object.hpp>

#include <string>

#include "commands/command.h"
#include "core/status.h"

namespace orderly::api::rest::requests {

// POST /api/categories: {slug?, name, description?}; without a slug, the
// one slugify(name) makes (core/category.h).
Result<commands::CreateCategory> create_category_from(const boost::json::object& body);
// PATCH /api/categories/{slug}: {name?, description?}, at least one of them
// (the slug is the category's key and never changes).
Result<commands::ChangeCategory> change_category_from(const boost::json::object& body,
                                                      const std::string& slug);

}  // namespace orderly::api::rest::requests
