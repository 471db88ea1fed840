// How a request parser fails: one invalid_argument naming every wrong field,
// which Call::fail answers as 422 validation_failed with `detail` and the
// fields (the same answer a handler built by hand before the parsers).
#pragma once

#include <string>

#include "api/rest/requests/fields.h"
#include "core/status.h"

namespace orderly::api::rest::requests {

inline Status invalid_fields(std::string detail, const Fields& f) {
  return Status(ErrorCode::kInvalidArgument, std::move(detail), f.errors());
}

}  // namespace orderly::api::rest::requests
