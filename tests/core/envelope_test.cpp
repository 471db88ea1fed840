#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <vector>

#include "core/envelope.h"
#include "core/event_json.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/user_events_generated.h"
#include "tests/support/sample_events.h"

using namespace orderly;

namespace {

// Copies into 8-aligned storage, as the log's framing guarantees.
struct Aligned {
  std::vector<uint64_t> words;
  size_t size;
  explicit Aligned(std::span<const uint8_t> b) : words((b.size() + 7) / 8), size(b.size()) {
    if (!b.empty())
      std::memcpy(words.data(), b.data(), b.size());
  }
  std::span<const uint8_t> bytes() const {
    return {reinterpret_cast<const uint8_t*>(words.data()), size};
  }
};

std::vector<uint8_t> build(const std::vector<uint8_t>& payload,
                           EventType type = EventType::kOrderPlaced) {
  flatbuffers::FlatBufferBuilder fbb;
  build_envelope(fbb, EnvelopeFields{type, 1, "order-42", 3, 17, 1795255200123000, "cmd-1",
                                     "corr-1", "cause-1", payload});
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

}  // namespace

TEST_CASE("envelope: every field survives a round trip, payload decodes in place") {
  const auto payload = testing::order_placed("order-42", "user-7", 3);
  const Aligned a(build(payload));
  auto ev = decode_event(a.bytes());
  REQUIRE(ev.is_ok());
  CHECK(ev->position() == 17);
  CHECK(ev->version() == 3);
  CHECK(ev->stream() == "order-42");
  CHECK(ev->type() == EventType::kOrderPlaced);
  CHECK(ev->type_name() == "order.placed");
  CHECK(ev->schema_version() == 1);
  CHECK(ev->time_us() == 1795255200123000);
  CHECK(ev->command_id() == "cmd-1");
  CHECK(ev->correlation_id() == "corr-1");
  CHECK(ev->causation_id() == "cause-1");
  CHECK(reinterpret_cast<uintptr_t>(ev->payload().data()) % 8 == 0);
  const auto* placed = ev->as<events::OrderPlaced>();
  CHECK(placed->lines()->size() == 3);
  CHECK(placed->user_id()->str() == "user-7");
}

TEST_CASE("envelope: a payload of the wrong table fails verification") {
  // A ProductCreated payload labelled OrderPlaced: field types differ.
  const auto payload = testing::product_created("p-1", "Cup", 1999, 5);
  const Aligned a(build(payload, EventType::kOrderPlaced));
  auto ev = decode_event(a.bytes());
  // Either the verifier rejects it, or it decodes as a harmless table: never a crash.
  if (!ev.is_ok())
    CHECK(ev.status().code() == ErrorCode::kCorruption);
}

TEST_CASE("envelope: unknown type ids and garbage are clear errors") {
  auto bytes = build(testing::order_confirmed("o-1"), EventType::kOrderConfirmed);
  {
    // Patch the type in place to an id that is not in the registry.
    flatbuffers::FlatBufferBuilder fbb;
    const auto payload = testing::order_confirmed("o-1");
    build_envelope(
        fbb,
        EnvelopeFields{static_cast<EventType>(999), 1, "order-1", 1, 1, 1, {}, {}, {}, payload});
    const Aligned a({fbb.GetBufferPointer(), fbb.GetSize()});
    auto ev = decode_event(a.bytes());
    REQUIRE_FALSE(ev.is_ok());
    CHECK(ev.status().message().find("unknown event type id 999") != std::string::npos);
  }
  const std::vector<uint8_t> garbage(64, 0xAB);
  CHECK(decode_event(Aligned(garbage).bytes()).status().code() == ErrorCode::kCorruption);
  CHECK(decode_event(Aligned(std::span(bytes).first(7)).bytes()).status().code() ==
        ErrorCode::kCorruption);
}

TEST_CASE("envelope: random damage never crashes the decoder") {
  const auto good = build(testing::order_placed("order-42", "user-7", 2));
  std::mt19937 rng(7);
  int rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    auto bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f)
      bytes[rng() % bytes.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    if (rng() % 4 == 0)
      bytes.resize(rng() % bytes.size());
    const Aligned aligned(bytes);  // must outlive the view
    auto ev = decode_event(aligned.bytes());
    if (!ev.is_ok()) {
      ++rejected;
      continue;
    }
    // Whatever passed the verifier must be safe to read.
    (void)ev->stream();
    (void)ev->command_id();
    (void)ev->payload();
  }
  CHECK(rejected > 0);
}

TEST_CASE("event type registry: names and ids agree both ways") {
  CHECK(event_type_from_name("order.placed") == EventType::kOrderPlaced);
  CHECK(event_type_name(EventType::kPaymentRefunded) == "payment.refunded");
  CHECK_FALSE(event_type_from_name("order.teleported").has_value());
  CHECK(is_known_event_type(60));
  CHECK_FALSE(is_known_event_type(0));
  CHECK_FALSE(is_known_event_type(59));
}

TEST_CASE("event JSON: envelope fields and the decoded payload, hashes redacted") {
  const auto payload = testing::order_placed("order-42", "user-7", 2);
  const Aligned a(build(payload));
  auto ev = decode_event(a.bytes());
  REQUIRE(ev.is_ok());
  const std::string line = event_json_line(*ev);
  CAPTURE(line);
  CHECK(line.rfind(R"({"position":17,"stream":"order-42","version":3,"type":"order.placed",)", 0) ==
        0);
  CHECK(line.find(R"("time":"2026-11-21T10:00:00.123Z")") != std::string::npos);
  CHECK(line.find(R"("command_id":"cmd-1")") != std::string::npos);
  CHECK(line.find(R"("command_id":"cmd-1","correlation_id":"corr-1",)") != std::string::npos);
  CHECK(line.find(R"("user_id": "user-7")") != std::string::npos);
  CHECK(line.find(R"("unit_price_cents": 1999)") != std::string::npos);
  CHECK(line.find('\n') == std::string::npos);  // one line per event

  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(events::CreateUserRegisteredDirect(fbb, "u-1", "ada", "ada@example.com",
                                                "$argon2id$secret", "customer"));
  const std::vector<uint8_t> user(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  const Aligned b(build(user, EventType::kUserRegistered));
  auto reg = decode_event(b.bytes());
  REQUIRE(reg.is_ok());
  auto data = event_data_json(*reg);
  REQUIRE(data.is_ok());
  CHECK(data->find("secret") == std::string::npos);
  CHECK(data->find(R"("password_hash":"[redacted]")") != std::string::npos);
  CHECK(json_quote("a\"b\\\n\x01") == R"("a\"b\\\n\u0001")");
}
