// The map the writer keeps its aggregates in: open addressing, values stored
// inline (no node per entry), so folding a million orders costs a fraction
// of std::unordered_map's allocations and cache misses. Pointers into it are
// invalidated by inserts: hold them only within one decide or apply.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "core/uuid.h"

namespace orderly::commands {

template <typename V>
using UuidMap = absl::flat_hash_map<Uuid, V, UuidHash>;
using UuidSet = absl::flat_hash_set<Uuid, UuidHash>;

}  // namespace orderly::commands
