// Wall-clock time as integer microseconds since the Unix epoch, and its
// RFC 3339 UTC text form ("2026-11-21T10:00:00.123Z"). Deciders never read the
// clock: callers stamp commands with now_us() at the edge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderly {

using TimestampUs = int64_t;

TimestampUs now_us();

// Millisecond precision, always UTC, always with a trailing 'Z'.
std::string format_rfc3339(TimestampUs t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" (and a space or a
// lower-case 't' for the 'T'); std::nullopt on anything else.
std::optional<TimestampUs> parse_rfc3339(std::string_view text);

}  // namespace orderly
