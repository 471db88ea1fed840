// Sums of money across orders: 128 bits wide, so no count of orders can
// overflow them (a single order is at most 1e12 cents since issue 19, but a
// log may hold orders of 1e17 from before, and 95 of those pass int64). The
// sums stay exact, so adding an order and taking it away again (a confirmed
// order cancelled) always returns to the same value; answers saturate to
// int64 (the API's integer range) only when shown.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "core/binary_codec.h"

namespace orderly::projections {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
using WideCents = __int128;
#pragma GCC diagnostic pop

// The nearest int64: what a sum too large for the API shows.
inline int64_t saturated(WideCents v) {
  if (v > std::numeric_limits<int64_t>::max())
    return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min())
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

// Decimal text, exact (for read model rows compared by rebuild --verify).
inline std::string wide_text(WideCents v) {
  if (v == 0)
    return "0";
  const bool negative = v < 0;
  unsigned __int128 u =
      negative ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string out;
  while (u > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return negative ? "-" + out : out;
}

// In snapshots: high then low 64 bits.
inline void put_wide(BinaryWriter& out, WideCents v) {
  out.i64(static_cast<int64_t>(v >> 64));
  out.u64(static_cast<uint64_t>(v));
}
inline WideCents get_wide(BinaryReader& in) {
  const auto high = static_cast<WideCents>(in.i64());
  return static_cast<WideCents>(high * (static_cast<WideCents>(1) << 64)) +
         static_cast<WideCents>(in.u64());
}

}  // namespace orderly::projections
