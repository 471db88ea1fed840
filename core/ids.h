// Opaque, time-ordered identifiers (UUIDv7, RFC 9562). Clients never parse
// them; the engine relies only on their uniqueness and rough time order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/clock.h"

namespace orderly {

// n bytes from the kernel's CSPRNG (pooled per thread). Thread-safe.
// REQUIRES: n <= 4096.
void random_bytes(uint8_t* out, size_t n);

// A new UUIDv7 as 36 lower-case characters. Thread-safe. Within one process,
// ids made in the same millisecond still sort in the order they were made.
std::string new_uuid_v7();
std::string new_uuid_v7(TimestampUs at);

// True when `s` has the 8-4-4-4-12 hex shape of a UUID.
bool looks_like_uuid(std::string_view s);

}  // namespace orderly
