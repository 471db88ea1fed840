#include "api/rest/trace_context.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/ids.h"

namespace orderly::api::rest {

namespace {

constexpr size_t kVersion00Length = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2
constexpr size_t kMaxTracestate = 512;   // what the spec asks every vendor to pass on

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zeros(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

int hex_value(char c) {
  return c <= '9' ? c - '0' : c - 'a' + 10;
}

}  // namespace

bool is_trace_id(std::string_view s) {
  return s.size() == 32 && is_lower_hex(s) && !all_zeros(s);
}

std::optional<TraceParent> parse_traceparent(std::string_view v) {
  if (v.size() < kVersion00Length)
    return std::nullopt;
  const std::string_view version = v.substr(0, 2);
  if (!is_lower_hex(version) || version == "ff")
    return std::nullopt;
  if (version == "00" && v.size() != kVersion00Length)
    return std::nullopt;
  // A later version may add fields, each after a '-'.
  if (v.size() > kVersion00Length && v[kVersion00Length] != '-')
    return std::nullopt;
  if (v[2] != '-' || v[35] != '-' || v[52] != '-')
    return std::nullopt;
  const std::string_view trace_id = v.substr(3, 32);
  const std::string_view parent_id = v.substr(36, 16);
  const std::string_view flags = v.substr(53, 2);
  if (!is_trace_id(trace_id) || !is_lower_hex(parent_id) || all_zeros(parent_id) ||
      !is_lower_hex(flags))
    return std::nullopt;
  return TraceParent{std::string(trace_id), std::string(parent_id),
                     static_cast<uint8_t>(hex_value(flags[0]) * 16 + hex_value(flags[1]))};
}

std::string random_hex_id(size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<uint8_t, 16> raw{};
  bytes = std::min(bytes, raw.size());
  std::string out;
  do {
    random_bytes(raw.data(), bytes);
    out.clear();
    for (size_t i = 0; i < bytes; ++i) {
      out += kHex[raw[i] >> 4];
      out += kHex[raw[i] & 0xf];
    }
  } while (all_zeros(out));  // invalid as an id; a chance of 2^-64 at worst
  return out;
}

std::string RequestTrace::traceparent() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "00-" + trace_id + "-" + span_id + "-";
  out += kHex[flags >> 4];
  out += kHex[flags & 0xf];
  return out;
}

RequestTrace trace_of(std::string_view traceparent, std::string_view tracestate) {
  RequestTrace t;
  t.span_id = random_hex_id(8);
  if (auto parent = traceparent.empty() ? std::nullopt : parse_traceparent(traceparent)) {
    t.trace_id = std::move(parent->trace_id);
    // Version 00 defines only the sampled bit: the others are not passed on.
    t.flags = parent->flags & 0x01;
    if (tracestate.size() <= kMaxTracestate &&
        std::all_of(tracestate.begin(), tracestate.end(),
                    [](char c) { return c >= 0x20 && c < 0x7f; }))
      t.tracestate = std::string(tracestate);
    return t;
  }
  t.trace_id = random_hex_id(16);
  t.flags = 0x01;
  return t;
}

}  // namespace orderly::api::rest
