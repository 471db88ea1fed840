// Fixed-width big-endian and little-endian encoding for keys and frames.
// Big-endian keys sort in numeric order under RocksDB's bytewise comparator.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace orderly {

inline void put_be64(char* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

inline uint64_t get_be64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

inline std::string be64_key(uint64_t v) {
  std::string s(8, '\0');
  put_be64(s.data(), v);
  return s;
}

inline void append_be64(std::string& out, uint64_t v) {
  char buf[8];
  put_be64(buf, v);
  out.append(buf, 8);
}

// Little-endian is used inside record values (frames), where order does not matter.
inline void put_le32(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

inline uint32_t get_le32(const char* in) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

inline void put_le64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

inline uint64_t get_le64(const char* in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

}  // namespace orderly
