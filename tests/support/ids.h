// Ids for tests: fresh ones, and fixed ones that read well in failures.
#pragma once

#include <cstdio>

#include "core/ids.h"
#include "core/uuid.h"

namespace orderly::testing {

inline Uuid new_id() {
  return *Uuid::parse(new_uuid_v7());
}

// "0192f0c1-7e4a-7000-8000-00000000000<n>": the same id for the same n.
inline Uuid test_id(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "0192f0c1-7e4a-7000-8000-%012d", n);
  return *Uuid::parse(text);
}

}  // namespace orderly::testing
