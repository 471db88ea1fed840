// An answer's body collected by libcurl up to a limit, so a server cannot make
// a client here hold more than it expects.
//
// Thread safety: one sink per transfer.
#pragma once

#include <cstddef>
#include <string>

namespace orderly::api::curl {

struct BodySink {
  std::string body;
  size_t max_bytes = 0;
  // Set when the answer went past max_bytes; body then holds what came before.
  bool over = false;
};

// CURLOPT_WRITEFUNCTION with a BodySink* as CURLOPT_WRITEDATA: appends until
// max_bytes, then sets `over` and returns 0, which stops the transfer with
// CURLE_WRITE_ERROR (callers check `over` before the result code).
size_t collect_body(char* data, size_t size, size_t n, void* sink);

}  // namespace orderly::api::curl
