// The writer's view of one aggregate as JSON, for `orderly inspect`.
// Presentation only: the rules live in commands/.
#pragma once

#include <string>

#include "commands/shop_state.h"

namespace orderly::cli {

std::string state_json(const commands::ShopState& s, commands::Aggregate aggregate, const Uuid& id);

}  // namespace orderly::cli
