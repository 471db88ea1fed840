#include "core/uuid.h"

#include "core/digest.h"

#include <array>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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
    // kHexValue is -1 for a non-hex byte: the sign is the point here.
    const int v = kHexValue[static_cast<uint8_t>(p[i])];  // NOLINT(bugprone-signed-char-misuse)
    bad |= v;                                             // negative when any digit was not hex
    out = (out << 4) | static_cast<uint64_t>(v & 0xf);
  }
  return bad >= 0;
}

bool parse_portable(const char* p, Uuid& u) {
  return hex_run(p, 8, u.hi) && hex_run(p + 9, 4, u.hi) && hex_run(p + 14, 4, u.hi) &&
         hex_run(p + 19, 4, u.lo) && hex_run(p + 24, 12, u.lo);
}

#if defined(__x86_64__)
// The 32 digits gathered into two vectors with byte shuffles, checked and
// turned into nibbles 16 at a time, then paired into bytes: a rebuild
// parses tens of millions of ids, and this is several times the scalar loop.
__attribute__((target("ssse3"))) bool parse_ssse3(const char* p, Uuid& u) {
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));       // 0..15
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));  // 16..31
  const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 20));  // 20..35
  // Digits 0-15 sit at 0-7, 9-12, 14-17; digits 16-31 at 19-22, 24-35.
  // (-1: take nothing from this source.)
  const __m128i first = _mm_or_si128(
      _mm_shuffle_epi8(a, _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, -1, -1)),
      _mm_shuffle_epi8(
          b, _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1)));
  const __m128i second = _mm_or_si128(
      _mm_shuffle_epi8(b, _mm_setr_epi8(3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1)),
      _mm_shuffle_epi8(
          c, _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 12, 13, 14, 15)));
  bool ok = true;
  auto nibbles = [&ok](__m128i v) {
    const __m128i digit = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const __m128i letter = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    // Unsigned x <= n as min(x, n) == x.
    const __m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(digit, _mm_set1_epi8(9)), digit);
    const __m128i is_letter = _mm_cmpeq_epi8(_mm_min_epu8(letter, _mm_set1_epi8(5)), letter);
    ok &= _mm_movemask_epi8(_mm_or_si128(is_digit, is_letter)) == 0xffff;
    return _mm_or_si128(_mm_and_si128(is_digit, digit),
                        _mm_and_si128(is_letter, _mm_add_epi8(letter, _mm_set1_epi8(10))));
  };
  // Each pair of nibbles (high, low) becomes high * 16 + low, then bytes.
  const __m128i weights = _mm_set1_epi16(0x0110);
  const __m128i bytes = _mm_packus_epi16(_mm_maddubs_epi16(nibbles(first), weights),
                                         _mm_maddubs_epi16(nibbles(second), weights));
  if (!ok)
    return false;
  uint64_t half[2];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(half), bytes);
  u.hi = __builtin_bswap64(half[0]);  // the id's bytes are big-endian
  u.lo = __builtin_bswap64(half[1]);
  return true;
}
#endif

}  // namespace

bool parse_uuid_portable_for_testing(std::string_view s, Uuid& u) {
  return s.size() == 36 && parse_portable(s.data(), u);
}

std::optional<Uuid> Uuid::parse(std::string_view s) {
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
    return std::nullopt;
  Uuid u;
#if defined(__x86_64__)
  static const bool ssse3 = __builtin_cpu_supports("ssse3");
  const bool ok = ssse3 ? parse_ssse3(s.data(), u) : parse_portable(s.data(), u);
#else
  const bool ok = parse_portable(s.data(), u);
#endif
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
      t[2 * static_cast<size_t>(b)] = kHex[b >> 4];
      t[2 * static_cast<size_t>(b) + 1] = kHex[b & 15];
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

namespace orderly {

Uuid uuid_from_name(std::string_view name) {
  const std::string hex = digest128_hex(name);
  auto half = [&](size_t from) {
    uint64_t v = 0;
    for (size_t i = from; i < from + 16; ++i)
      v = (v << 4) | static_cast<uint64_t>(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
    return v;
  };
  Uuid u{half(0), half(16)};
  u.hi = (u.hi & ~0xF000ull) | 0x8000ull;                          // version 8
  u.lo = (u.lo & ~0xC000000000000000ull) | 0x8000000000000000ull;  // variant 10
  return u;
}

}  // namespace orderly
