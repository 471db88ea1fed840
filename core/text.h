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

// ASCII case-insensitive equality: HTTP tokens, header values, media types.
inline bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = static_cast<char>(y - 'A' + 'a');
    if (x != y)
      return false;
  }
  return true;
}

// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
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
