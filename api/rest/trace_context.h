// W3C Trace Context (https://www.w3.org/TR/trace-context/) for the API: the
// `traceparent` a request brings, or a new trace when it brings none (or
// one the spec says to ignore), and the `traceparent` every answer carries:
// the same trace id with this server's own span id. The trace id is logged
// with the request and stored as the correlation id of the events its
// commands append, so `orderly replay --correlation ID` finds them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderly::api::rest {

struct TraceParent {
  std::string trace_id;   // 32 lower-case hex digits, not all zeros
  std::string parent_id;  // 16 lower-case hex digits, not all zeros
  uint8_t flags = 0;      // bit 0: sampled
};

// Parses a traceparent header value as the spec's version 00 defines it
// ("00-<trace-id>-<parent-id>-<flags>", exactly 55 characters), and a
// later version by those same first fields (longer values continue with
// '-'). nullopt for anything the spec says to ignore: other lengths,
// upper-case hex, the version ff, all-zero ids, 00 with anything after.
std::optional<TraceParent> parse_traceparent(std::string_view value);

// Whether a 32-character lower-case hex trace id, not all zeros (what
// `orderly replay --correlation` accepts).
bool is_trace_id(std::string_view s);

// The trace of one request: its trace id (the caller's or a new one), the
// span id this server answers with, and the caller's tracestate.
struct RequestTrace {
  std::string trace_id;
  std::string span_id;     // new for each request
  std::string tracestate;  // passed through only with a valid traceparent
  uint8_t flags = 0;

  // "00-<trace_id>-<span_id>-<flags>"
  std::string traceparent() const;
};

// The trace of a request with these header values (empty: absent). A new
// trace (random trace id, sampled: every request is in the access log)
// when the traceparent is absent or invalid; then tracestate is dropped,
// as the spec asks. A tracestate longer than 512 bytes or with characters
// outside printable ASCII is dropped too.
RequestTrace trace_of(std::string_view traceparent, std::string_view tracestate);

// A new random id of `bytes` bytes as lower-case hex, never all zeros.
std::string random_hex_id(size_t bytes);

}  // namespace orderly::api::rest
