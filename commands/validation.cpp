#include "commands/validation.h"

#include <string>

namespace orderly::commands {

bool is_clean_text(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
        return false;
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size())
      return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const bool overlong =
        (n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

Status require_text(std::string_view field, std::string_view value, size_t min_len,
                    size_t max_len) {
  if (value.size() < min_len) {
    return Status::invalid_field(
        std::string(field), min_len == 1
                                ? "is required"
                                : "must be at least " + std::to_string(min_len) + " characters");
  }
  if (value.size() > max_len) {
    return Status::invalid_field(std::string(field),
                                 "must be at most " + std::to_string(max_len) + " bytes");
  }
  if (!is_clean_text(value)) {
    return Status::invalid_field(std::string(field),
                                 "must be valid UTF-8 without control characters");
  }
  return Status::ok();
}

Status require_range(std::string_view field, int64_t value, int64_t min, int64_t max) {
  if (value < min || value > max) {
    return Status::invalid_field(std::string(field), "must be between " + std::to_string(min) +
                                                         " and " + std::to_string(max));
  }
  return Status::ok();
}

}  // namespace orderly::commands
