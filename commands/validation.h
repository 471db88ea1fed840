// Field validation shared by the deciders. Each returns validation_failed
// naming the field, or OK.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace orderly::commands {

Status require_text(std::string_view field, std::string_view value, size_t min_len, size_t max_len);
Status require_range(std::string_view field, int64_t value, int64_t min, int64_t max);
// UTF-8 well-formedness, no control characters except \n and \t.
bool is_clean_text(std::string_view s);

}  // namespace orderly::commands
