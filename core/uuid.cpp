#include "core/uuid.h"

#include <array>

namespace orderly {

namespace {

// Hex digit values, -1 for anything else: parsing is on the replay hot path.
constexpr auto kHexValue = [] {
  std::array<int8_t, 256> t{};
  for (auto& v : t)
    v = -1;
  for (int c = '0'; c <= '9'; ++c)
    t[static_cast<size_t>(c)] = static_cast<int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c)
    t[static_cast<size_t>(c)] = static_cast<int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c)
    t[static_cast<size_t>(c)] = static_cast<int8_t>(c - 'A' + 10);
  return t;
}();

// Parses `n` hex digits at `p` into `out`; false on a non-hex byte.
inline bool hex_run(const char* p, int n, uint64_t& out) {
  int bad = 0;
  for (int i = 0; i < n; ++i) {
    const int v = kHexValue[static_cast<uint8_t>(p[i])];
    bad |= v;  // negative when any digit was not hex
    out = (out << 4) | static_cast<uint64_t>(v & 0xf);
  }
  return bad >= 0;
}

}  // namespace

std::optional<Uuid> Uuid::parse(std::string_view s) {
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
    return std::nullopt;
  Uuid u;
  const char* p = s.data();
  const bool ok = hex_run(p, 8, u.hi) && hex_run(p + 9, 4, u.hi) && hex_run(p + 14, 4, u.hi) &&
                  hex_run(p + 19, 4, u.lo) && hex_run(p + 24, 12, u.lo);
  if (!ok)
    return std::nullopt;
  return u;
}

std::string Uuid::to_string() const {
  std::string out;
  out.reserve(36);
  append_to(out);
  return out;
}

void Uuid::append_to(std::string& out) const {
  // Two hex digits per byte from one table: ids are formatted millions of
  // times per read-model rebuild.
  static constexpr auto kPairs = [] {
    constexpr char kHex[] = "0123456789abcdef";
    std::array<char, 512> t{};
    for (int b = 0; b < 256; ++b) {
      t[static_cast<size_t>(2 * b)] = kHex[b >> 4];
      t[static_cast<size_t>(2 * b + 1)] = kHex[b & 15];
    }
    return t;
  }();
  char buf[36];
  char* p = buf;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      *p++ = '-';
    const uint64_t half = i < 8 ? hi : lo;
    const auto byte = static_cast<size_t>((half >> (56 - 8 * (i % 8))) & 0xff);
    *p++ = kPairs[2 * byte];
    *p++ = kPairs[2 * byte + 1];
  }
  out.append(buf, sizeof buf);
}

}  // namespace orderly
