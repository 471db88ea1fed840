// Hashing for maps keyed by std::string that are searched with string_view,
// so lookups on hot paths allocate nothing.
#pragma once

#include <functional>
#include <string_view>

namespace orderly {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace orderly
