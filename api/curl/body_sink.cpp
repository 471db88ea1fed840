#include "api/curl/body_sink.h"

namespace orderly::api::curl {

size_t collect_body(char* data, size_t size, size_t n, void* out) {
  auto* sink = static_cast<BodySink*>(out);
  if (sink->body.size() + size * n > sink->max_bytes) {
    sink->over = true;
    return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  sink->body.append(data, size * n);
  return size * n;
}

}  // namespace orderly::api::curl
