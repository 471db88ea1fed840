// The map the writer keeps its aggregates in: open addressing, values stored
// inline (no node per entry), so folding a million orders costs a fraction
// of std::unordered_map's allocations and cache misses. Pointers into it are
// invalidated by inserts: hold them only within one decide or apply.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "core/sharded_map.h"
#include "core/uuid.h"

namespace orderly::commands {

template <typename V>
using UuidMap = absl::flat_hash_map<Uuid, V, UuidHash>;

// For the maps that grow with the shop (orders, payments, users, ...):
// sharded, so no single rehash pauses the writer (core/sharded_map.h).
template <typename V>
using BigUuidMap = ShardedMap<UuidMap<V>>;
using UuidSet = absl::flat_hash_set<Uuid, UuidHash>;

}  // namespace orderly::commands
