// A UUID as 16 bytes, for compact in-memory keys. Its text form is the
// 36-character lower-case string of core/ids.h.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace orderly {

struct Uuid {
  uint64_t hi = 0;
  uint64_t lo = 0;

  static std::optional<Uuid> parse(std::string_view text);  // 8-4-4-4-12 hex
  std::string to_string() const;
  void append_to(std::string& out) const;  // the 36 characters, appended
  bool is_nil() const { return hi == 0 && lo == 0; }
  auto operator<=>(const Uuid&) const = default;
};

// A name-based UUID (RFC 9562 version 8, from the name's 128-bit BLAKE2b
// digest): equal names give equal ids. For ids that must follow from what
// they name (a category's slug, an image's product and picture).
Uuid uuid_from_name(std::string_view name);

// The scalar parser of the 32 digits (no dash checks), for tests comparing
// it with the vector one Uuid::parse uses where the CPU has it.
bool parse_uuid_portable_for_testing(std::string_view text, Uuid& out);

struct UuidHash {
  size_t operator()(const Uuid& u) const {
    // UUIDv7's high bits are a timestamp: mix both halves.
    uint64_t z = u.hi ^ (u.lo * 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    return static_cast<size_t>(z ^ (z >> 31));
  }
};

}  // namespace orderly
