#include <doctest/doctest.h>

#include "core/clock.h"

using namespace orderly;

TEST_CASE("RFC 3339: format and parse round-trip at millisecond precision") {
  const TimestampUs t = 1795255200123000;  // 2026-11-21T10:00:00.123Z
  CHECK(format_rfc3339(t) == "2026-11-21T10:00:00.123Z");
  CHECK(parse_rfc3339("2026-11-21T10:00:00.123Z") == t);
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == 0);
}

TEST_CASE(
    "RFC 3339: every field written with its digits, years beyond four digits as printf would") {
  CHECK(format_rfc3339(*parse_rfc3339("1999-12-31T23:59:59.999Z")) == "1999-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(*parse_rfc3339("2024-02-29T07:08:09.010Z")) == "2024-02-29T07:08:09.010Z");
  CHECK(format_rfc3339(*parse_rfc3339("0001-01-01T00:00:00.001Z")) == "0001-01-01T00:00:00.001Z");
  // Every second of a day and every millisecond of a second round-trip.
  const TimestampUs day = *parse_rfc3339("2026-12-07T00:00:00Z");
  for (int64_t s = 0; s < 86400; s += 37) {
    const TimestampUs t = day + s * 1'000'000 + (s % 1000) * 1000;
    REQUIRE(parse_rfc3339(format_rfc3339(t)) == t);
  }
  // Year 10000: past RFC 3339, written as snprintf writes it (five digits).
  CHECK(format_rfc3339(253402300800000000) == "10000-01-01T00:00:00.000Z");
}

TEST_CASE("RFC 3339: offsets, fractions and leap days") {
  CHECK(parse_rfc3339("2026-11-21T11:00:00+01:00") == parse_rfc3339("2026-11-21T10:00:00Z"));
  CHECK(parse_rfc3339("2026-11-21T09:30:00-00:30") == parse_rfc3339("2026-11-21T10:00:00Z"));
  CHECK(parse_rfc3339("2024-02-29T00:00:00.000001Z").has_value());
  CHECK(*parse_rfc3339("2026-01-01T00:00:00.5Z") % 1000000 == 500000);
}

TEST_CASE("RFC 3339: malformed text is refused") {
  for (const char* bad :
       {"", "2026", "2026-11-21", "2026-11-21T10:00:00", "2026-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T10:00:00.Z",
        "2026-11-21T10:00:00Zjunk", "2026-11-21X10:00:00Z", "2026-11-21T10:00:00+1:00"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
}
