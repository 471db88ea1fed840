// Small text helpers shared by the modules.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <string>
#include <string_view>

namespace orderly {

// ASCII lower-case (other bytes unchanged): for case-insensitive keys.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A FlatBuffers string field as std::string; absent fields are "".
inline std::string fb_string(const flatbuffers::String* s) {
  return s ? s->str() : std::string();
}

}  // namespace orderly
