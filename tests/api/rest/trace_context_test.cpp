// W3C Trace Context parsing (api/rest/trace_context.h): the spec's valid
// and invalid traceparent values, and the trace a request gets from them.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "api/rest/trace_context.h"

namespace orderly::api::rest {
namespace {

constexpr const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kParent = "00f067aa0ba902b7";

std::string tp(const std::string& version, const std::string& trace, const std::string& parent,
               const std::string& flags) {
  return version + "-" + trace + "-" + parent + "-" + flags;
}

TEST_CASE("traceparent: the spec's example parses") {
  auto p = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  REQUIRE(p);
  CHECK(p->trace_id == kTrace);
  CHECK(p->parent_id == kParent);
  CHECK(p->flags == 1);
  auto unsampled = parse_traceparent(tp("00", kTrace, kParent, "00"));
  REQUIRE(unsampled);
  CHECK(unsampled->flags == 0);
  CHECK(parse_traceparent(tp("00", kTrace, kParent, "ff"))->flags == 0xff);
}

TEST_CASE("traceparent: wrong shapes are ignored") {
  CHECK_FALSE(parse_traceparent(""));
  CHECK_FALSE(parse_traceparent("00"));
  CHECK_FALSE(parse_traceparent("garbage that is long enough to be fifty five characters"));
  // Upper-case hex anywhere
  CHECK_FALSE(parse_traceparent(tp("00", "4BF92F3577B34DA6A3CE929D0E0E4736", kParent, "01")));
  CHECK_FALSE(parse_traceparent(tp("00", kTrace, "00F067AA0BA902B7", "01")));
  CHECK_FALSE(parse_traceparent(tp("00", kTrace, kParent, "0A")));
  CHECK_FALSE(parse_traceparent(tp("0A", kTrace, kParent, "01")));
  // All-zero ids
  CHECK_FALSE(parse_traceparent(tp("00", std::string(32, '0'), kParent, "01")));
  CHECK_FALSE(parse_traceparent(tp("00", kTrace, std::string(16, '0'), "01")));
  // Fields one character short or long, non-hex characters, wrong separators
  CHECK_FALSE(parse_traceparent(tp("00", std::string(kTrace).substr(1), kParent, "01")));
  CHECK_FALSE(parse_traceparent(tp("00", kTrace, std::string(kParent) + "a", "01")));
  CHECK_FALSE(parse_traceparent(tp("00", kTrace, kParent, "1")));
  CHECK_FALSE(parse_traceparent(tp("00", "4bf92f3577b34da6a3ce929d0e0e473g", kParent, "01")));
  CHECK_FALSE(parse_traceparent("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  CHECK_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01"));
  CHECK_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01"));
  // Surrounding spaces (the HTTP parser trims optional whitespace first)
  CHECK_FALSE(parse_traceparent(" " + tp("00", kTrace, kParent, "01")));
}

TEST_CASE("traceparent: version 00 is exactly 55 characters") {
  CHECK_FALSE(parse_traceparent(tp("00", kTrace, kParent, "01") + "-"));
  CHECK_FALSE(parse_traceparent(tp("00", kTrace, kParent, "01") + "-what-comes-next"));
  CHECK_FALSE(parse_traceparent(tp("00", kTrace, kParent, "01") + " "));
}

TEST_CASE("traceparent: a later version is read by its first fields") {
  auto same = parse_traceparent(tp("01", kTrace, kParent, "01"));
  REQUIRE(same);
  CHECK(same->trace_id == kTrace);
  auto longer = parse_traceparent(tp("cc", kTrace, kParent, "01") + "-what-the-future-adds");
  REQUIRE(longer);
  CHECK(longer->trace_id == kTrace);
  CHECK(longer->parent_id == kParent);
  // Longer, but not continued with '-'
  CHECK_FALSE(parse_traceparent(tp("cc", kTrace, kParent, "01") + "x"));
  // ff is forbidden as a version
  CHECK_FALSE(parse_traceparent(tp("ff", kTrace, kParent, "01")));
}

TEST_CASE("trace of a request: the caller's trace id, a new span, tracestate passed on") {
  const RequestTrace t = trace_of(tp("00", kTrace, kParent, "01"), "congo=t61rcWkgMzE");
  CHECK(t.trace_id == kTrace);
  CHECK(t.span_id.size() == 16);
  CHECK(t.span_id != kParent);
  CHECK(t.tracestate == "congo=t61rcWkgMzE");
  CHECK(t.traceparent() == "00-" + std::string(kTrace) + "-" + t.span_id + "-01");
  auto round_trip = parse_traceparent(t.traceparent());
  REQUIRE(round_trip);
  CHECK(round_trip->parent_id == t.span_id);
  // Flags other than sampled (undefined in version 00) are not passed on.
  CHECK(trace_of(tp("00", kTrace, kParent, "fe"), "").traceparent().ends_with("-00"));
  CHECK(trace_of(tp("00", kTrace, kParent, "03"), "").traceparent().ends_with("-01"));
}

TEST_CASE("trace of a request: absent or invalid starts a new trace") {
  std::set<std::string> ids;
  for (const std::string& header :
       {std::string(), tp("00", std::string(32, '0'), kParent, "01"), std::string("nonsense")}) {
    const RequestTrace t = trace_of(header, "congo=t61rcWkgMzE");
    CAPTURE(header);
    CHECK(is_trace_id(t.trace_id));
    CHECK(t.trace_id != kTrace);
    CHECK(t.tracestate.empty());  // never with a traceparent that is not there
    CHECK(parse_traceparent(t.traceparent()));
    CHECK(t.traceparent().ends_with("-01"));
    ids.insert(t.trace_id);
  }
  CHECK(ids.size() == 3);  // random, not one fixed id
}

TEST_CASE("trace of a request: a tracestate too long or with control characters is dropped") {
  CHECK(trace_of(tp("00", kTrace, kParent, "01"), std::string(513, 'a')).tracestate.empty());
  CHECK(trace_of(tp("00", kTrace, kParent, "01"), std::string(512, 'a')).tracestate.size() == 512);
  CHECK(trace_of(tp("00", kTrace, kParent, "01"), "a=b\r\nx: y").tracestate.empty());
}

TEST_CASE("trace id check for replay --correlation") {
  CHECK(is_trace_id(kTrace));
  CHECK_FALSE(is_trace_id(std::string(32, '0')));
  CHECK_FALSE(is_trace_id("4BF92F3577B34DA6A3CE929D0E0E4736"));
  CHECK_FALSE(is_trace_id(std::string(kTrace).substr(1)));
  CHECK_FALSE(is_trace_id(""));
  CHECK(random_hex_id(16).size() == 32);
  CHECK(random_hex_id(16) != random_hex_id(16));
}

}  // namespace
}  // namespace orderly::api::rest
