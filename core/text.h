// Small text helpers shared by the modules.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <string>
#include <string_view>

#include "core/uuid.h"

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

// Three capital letters, as an ISO 4217 code is written ("USD").
inline bool is_currency_code(std::string_view c) {
  return c.size() == 3 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' && c[2] >= 'A' &&
         c[2] <= 'Z';
}

// A FlatBuffers id field as a binary Uuid; absent or malformed ids are nil
// (the log only holds ids the writer produced, so nil means "none").
inline Uuid fb_uuid(const flatbuffers::String* s) {
  if (s == nullptr)
    return {};
  return Uuid::parse(s->string_view()).value_or(Uuid{});
}

// A FlatBuffers string field as std::string; absent fields are "".
inline std::string fb_string(const flatbuffers::String* s) {
  return s ? s->str() : std::string();
}

// The same without a copy: valid as long as the event is.
inline std::string_view fb_view(const flatbuffers::String* s) {
  return s ? s->string_view() : std::string_view();
}

}  // namespace orderly
