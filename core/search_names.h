// Names in the log's vocabulary for searches (analytics.recorded events).
#pragma once

#include <string_view>

namespace orderly {

// The entry under which an analytics event, and the stats model, count the
// searches that are not named one by one: past the cap of distinct
// searches per interval (commands/analytics.h), and those the stats model
// ages out. A query of this text is never a search of its own.
inline constexpr std::string_view kOtherSearches = "(other)";

}  // namespace orderly
