// api/payments/provider/provider_call.h: the body and idempotency key of
// each call the dispatcher makes, from the events as the writer records them.
#include "api/payments/provider/provider_call.h"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <vector>

#include "core/envelope.h"
#include "core/schemas/payment_events_generated.h"

using namespace orderly;
using namespace orderly::api::payments::provider;

namespace {

// An event as the log holds it: the payload in its envelope, decoded.
struct Recorded {
  std::vector<uint64_t> storage;
  EventView view;
};

Recorded record(EventType type, flatbuffers::FlatBufferBuilder& payload) {
  flatbuffers::FlatBufferBuilder envelope;
  EnvelopeFields fields;
  fields.type = type;
  fields.stream = "payment-p1";
  fields.version = 2;
  fields.position = 7;
  fields.payload = {payload.GetBufferPointer(), payload.GetSize()};
  build_envelope(envelope, fields);
  Recorded r;
  auto view = decode_event_copy({envelope.GetBufferPointer(), envelope.GetSize()}, r.storage);
  REQUIRE(view.is_ok());
  r.view = *view;
  return r;
}

Recorded processing(bool via_provider, uint32_t attempt) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(events::CreatePaymentProcessingDirect(b, "0190c6a0-pay", "0190c6a0-ord", "pm_card_3ds",
                                                 attempt, 4599, "EUR", via_provider));
  return record(EventType::kPaymentProcessing, b);
}

}  // namespace

TEST_CASE("payments provider calls: a card through the provider is an intent keyed by attempt") {
  const Recorded ev = processing(true, 2);
  const auto call = provider_call(ev.view, "https://shop.example/");
  REQUIRE(call.has_value());
  CHECK(call->path == "/v1/payment_intents");
  CHECK(call->idempotency_key == "0190c6a0-pay:2");
  CHECK(boost::json::parse(call->body) ==
        boost::json::object{{"payment_id", "0190c6a0-pay"},
                            {"attempt", 2},
                            {"amount_cents", 4599},
                            {"currency", "EUR"},
                            {"payment_method", "pm_card_3ds"},
                            {"return_url", "https://shop.example/#/orders/0190c6a0-ord"}});
  // The same event gives the same call, whatever the shop's address: the
  // key never changes (the provider answers it once).
  CHECK(provider_call(ev.view, "http://127.0.0.1:9")->idempotency_key == call->idempotency_key);
  CHECK(provider_call(processing(true, 3).view, "")->idempotency_key == "0190c6a0-pay:3");
}

TEST_CASE("payments provider calls: inline processing and other events ask for nothing") {
  CHECK_FALSE(provider_call(processing(false, 1).view, "https://shop.example").has_value());
  flatbuffers::FlatBufferBuilder b;
  b.Finish(events::CreatePaymentSucceededDirect(b, "p", "o", "pm_card_ok", 5));
  CHECK_FALSE(provider_call(record(EventType::kPaymentSucceeded, b).view, "").has_value());
}

TEST_CASE("payments provider calls: a refund request is a refund keyed by its id") {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(events::CreatePaymentRefundRequestedDirect(b, "0190c6a0-pay", "0190c6a0-ord",
                                                      "0190c6a0-ref", 1200, "admin", 0));
  const auto call = provider_call(record(EventType::kPaymentRefundRequested, b).view, "x");
  REQUIRE(call.has_value());
  CHECK(call->path == "/v1/refunds");
  CHECK(call->idempotency_key == "0190c6a0-ref");
  CHECK(boost::json::parse(call->body) == boost::json::object{{"payment_id", "0190c6a0-pay"},
                                                              {"refund_id", "0190c6a0-ref"},
                                                              {"amount_cents", 1200}});
}
