// Appends one event whose payload a test builds with FlatBuffers by hand:
// an event as an older engine wrote it, or one no command of today makes.
// Header-only, for doctest suites (a failed append fails the test case).
#pragma once

#include <doctest/doctest.h>
#include <flatbuffers/flatbuffers.h>

#include <span>
#include <string>

#include "eventstore/store.h"

namespace orderly::testing {

// Appends to `stream` (any version) one event of `type`, its payload what
// `build(builder)` returns.
template <typename Build>
void append_raw(eventstore::EventStore& store, const std::string& stream, EventType type,
                Build build) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(build(b));
  eventstore::NewEvent event;
  event.type = type;
  event.payload = std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize());
  REQUIRE(store.append(stream, eventstore::ExpectedVersion::any(), std::span(&event, 1)).is_ok());
}

}  // namespace orderly::testing
