// `orderly replay`'s filters: what turns --since/--until, --type and
// --stream text into the scan's query (api/cli/cmd_replay.cpp). That
// function opens the store, so this target fuzzes the parsing it calls:
// RFC 3339 times (core/clock.h), event type names (core/event_type.h),
// stream names and ids (commands/event_sink.h, core/uuid.h), and the time
// rendering replay prints for every event (format_rfc3339 of any int64, as
// a damaged log's envelope can hold).
//
// Input: lines; each line is tried as every kind of filter. The first 8
// bytes are also an event time to render.
#include <cstring>
#include <string>

#include "commands/event_sink.h"
#include "core/clock.h"
#include "core/event_type.h"
#include "core/uuid.h"
#include "tests/fuzz/fuzz_check.h"

using namespace orderly;

namespace {

constexpr TimestampUs kYear0 = -62167219200LL * 1'000'000;      // 0000-01-01T00:00:00Z
constexpr TimestampUs kYear10000 = 253402300800LL * 1'000'000;  // 10000-01-01T00:00:00Z

// format_rfc3339 keeps milliseconds, rounding toward the past.
TimestampUs floor_to_ms(TimestampUs t) {
  const TimestampUs r = t % 1000;
  return r < 0 ? t - r - 1000 : t - r;
}

// Rendering any time must not crash; a time parse_rfc3339 can read back
// (years 0000-9999) must read back as itself, to the millisecond.
void check_render(TimestampUs t) {
  const std::string text = format_rfc3339(t);
  FUZZ_CHECK(!text.empty() && text.back() == 'Z', text);
  if (t < kYear0 || t >= kYear10000)
    return;
  const auto back = parse_rfc3339(text);
  FUZZ_CHECK(back.has_value(), text);
  FUZZ_CHECK(*back == floor_to_ms(t), text);
}

// --since / --until.
void check_time(std::string_view text) {
  const auto t = parse_rfc3339(text);
  if (!t)
    return;
  check_render(*t);
  // A parsed time is within the years and offsets the format allows.
  FUZZ_CHECK(*t >= kYear0 - 24LL * 3600 * 1'000'000 && *t < kYear10000 + 24LL * 3600 * 1'000'000,
             std::string(text));
}

// --type.
void check_type_name(std::string_view text) {
  const auto type = event_type_from_name(text);
  if (!type)
    return;
  FUZZ_CHECK(event_type_name(*type) == text, std::string(text));
  FUZZ_CHECK(is_known_event_type(static_cast<uint16_t>(*type)), std::string(text));
}

// Type ids as envelopes carry them: known exactly when named.
void check_type_id(uint16_t id) {
  const std::string_view name = event_type_name(static_cast<EventType>(id));
  FUZZ_CHECK(is_known_event_type(id) == !name.empty(), std::to_string(id));
  if (!name.empty()) {
    const auto back = event_type_from_name(name);
    FUZZ_CHECK(back && static_cast<uint16_t>(*back) == id, std::string(name));
  }
}

// --stream: an exact stream ("order-<id>") or a category ("order-").
void check_stream(std::string_view text) {
  if (auto id = Uuid::parse(text)) {
    const std::string canonical = id->to_string();
    FUZZ_CHECK(canonical.size() == 36, canonical);
    FUZZ_CHECK(Uuid::parse(canonical) == id, canonical);
  }
  commands::Aggregate aggregate{};
  Uuid id;
  if (commands::parse_stream_name(text, &aggregate, &id)) {
    const std::string name = commands::stream_name(aggregate, id);
    commands::Aggregate aggregate2{};
    Uuid id2;
    FUZZ_CHECK(commands::parse_stream_name(name, &aggregate2, &id2), name);
    FUZZ_CHECK(aggregate2 == aggregate && id2 == id, name);
    // A stream name is its aggregate's category followed by the id.
    FUZZ_CHECK(name.starts_with(std::string(commands::aggregate_name(aggregate)) + "-"), name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (size >= 8) {
    int64_t t = 0;
    std::memcpy(&t, data, 8);
    check_render(t);
  }
  if (size >= 2) {
    uint16_t id = 0;
    std::memcpy(&id, data, 2);
    check_type_id(id);
  }
  std::string_view rest = input;
  while (!rest.empty()) {
    const std::string_view line = fuzz::next_part(rest, "\n");
    check_time(line);
    check_type_name(line);
    check_stream(line);
  }
  return 0;
}
