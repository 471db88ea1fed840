#include "api/http/http_date.h"

#include <ctime>

namespace orderly::api::http {

std::string_view http_date_now() {
  thread_local std::time_t formatted_at = -1;
  thread_local char text[40];
  thread_local size_t size = 0;
  const std::time_t now = std::time(nullptr);
  if (now != formatted_at) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    size = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    formatted_at = now;
  }
  return {text, size};
}

}  // namespace orderly::api::http
