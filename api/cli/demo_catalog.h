// The demo catalog `orderly serve` creates in a new data directory, so the
// quick start has a shop to browse.
#pragma once

#include "commands/processor.h"

namespace orderly::cli {

// Creates the products through the normal commands; returns how many.
Result<size_t> create_demo_catalog(commands::CommandProcessor& processor);

}  // namespace orderly::cli
