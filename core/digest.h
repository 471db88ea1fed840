// A short, collision-resistant digest (BLAKE2b via libsodium) as hex, for
// keys that must fit a bounded field (e.g. idempotency keys in command ids).
#pragma once

#include <string>
#include <string_view>

namespace orderly {

// 128-bit BLAKE2b of `data`, 32 lower-case hex characters.
std::string digest128_hex(std::string_view data);

}  // namespace orderly
