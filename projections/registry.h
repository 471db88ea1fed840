// Every read model the engine runs, by name.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "projections/projection.h"

namespace orderly::projections {

std::vector<std::unique_ptr<Projection>> all_read_models();
// The same, as a ProjectionRunner holds them (shared: queries keep the
// instance they started with across an online rebuild's swap).
std::vector<std::shared_ptr<Projection>> all_read_models_shared();
std::unique_ptr<Projection> make_read_model(std::string_view name);  // null for an unknown name

}  // namespace orderly::projections
