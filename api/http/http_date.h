// The Date header's value (RFC 9110 §5.6.7 IMF-fixdate, "Sun, 06 Dec 2026
// 14:05:37 GMT"), formatted at most once a second per thread rather than
// once per answer.
#pragma once

#include <string_view>

namespace orderly::api::http {

// The current time; valid on this thread until the next call.
std::string_view http_date_now();

}  // namespace orderly::api::http
