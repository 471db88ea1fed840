// Key encodings of the column families (LOG_FORMAT.md). Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/big_endian.h"

namespace orderly::eventstore {

inline constexpr char kFormatKey[] = "format";
inline constexpr char kFormatValue[] = "orderly-log-1";

inline constexpr char kLogFamily[] = "log";
inline constexpr char kStreamsFamily[] = "streams";
inline constexpr char kCommandsFamily[] = "commands";
inline constexpr char kCheckpointsFamily[] = "checkpoints";

inline std::string log_key(uint64_t position) {
  return be64_key(position);
}

// stream, 0x00, BE64(version)
inline std::string stream_key(std::string_view stream, uint64_t version) {
  std::string k;
  k.reserve(stream.size() + 9);
  k.append(stream);
  k.push_back('\0');
  append_be64(k, version);
  return k;
}

// The prefix all of one stream's chunk keys share.
inline std::string stream_key_prefix(std::string_view stream) {
  std::string k(stream);
  k.push_back('\0');
  return k;
}

// Splits a stream index key; false when it is not well formed.
inline bool parse_stream_key(std::string_view key, std::string_view* stream, uint64_t* version) {
  if (key.size() < 10 || key[key.size() - 9] != '\0')
    return false;
  *stream = key.substr(0, key.size() - 9);
  *version = get_be64(key.data() + key.size() - 8);
  return true;
}

// One run of an index chunk: `count` events of the stream at consecutive
// versions, at positions first_position .. first_position + count - 1.
struct IndexRun {
  uint64_t first_position;
  uint32_t count;
};
inline constexpr size_t kIndexRunSize = 12;

inline void append_index_run(std::string& out, IndexRun run) {
  char buf[kIndexRunSize];
  put_le64(buf, run.first_position);
  put_le32(buf + 8, run.count);
  out.append(buf, kIndexRunSize);
}

inline IndexRun index_run_at(std::string_view value, size_t i) {
  const char* p = value.data() + i * kIndexRunSize;
  return {get_le64(p), get_le32(p + 8)};
}

inline constexpr size_t kCommandValueSize = 12;

inline std::string command_value(uint64_t first_position, uint32_t count) {
  std::string v = be64_key(first_position);
  v.resize(kCommandValueSize);
  v[8] = static_cast<char>(count >> 24);
  v[9] = static_cast<char>(count >> 16);
  v[10] = static_cast<char>(count >> 8);
  v[11] = static_cast<char>(count);
  return v;
}

inline void parse_command_value(std::string_view v, uint64_t* first, uint32_t* count) {
  *first = get_be64(v.data());
  *count = (uint32_t{static_cast<uint8_t>(v[8])} << 24) |
           (uint32_t{static_cast<uint8_t>(v[9])} << 16) |
           (uint32_t{static_cast<uint8_t>(v[10])} << 8) | uint32_t{static_cast<uint8_t>(v[11])};
}

}  // namespace orderly::eventstore
