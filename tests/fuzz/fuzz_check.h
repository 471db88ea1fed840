// Property checks inside fuzz targets: a broken property aborts, which
// libFuzzer reports as a crash and saves the input (a crash-* artifact).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond, what)                                                    \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "fuzz property failed: %s\n  %s\n  at %s:%d\n", #cond, \
                   std::string(what).c_str(), __FILE__, __LINE__);                \
      std::abort();                                                               \
    }                                                                             \
  } while (false)

namespace orderly::fuzz {

// Splits one fuzz input into parts at a separator that no seed uses inside a
// part, so each part can grow or shrink on its own under mutation.
inline std::string_view next_part(std::string_view& rest, std::string_view separator) {
  const size_t at = rest.find(separator);
  const std::string_view part = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view() : rest.substr(at + separator.size());
  return part;
}

}  // namespace orderly::fuzz
