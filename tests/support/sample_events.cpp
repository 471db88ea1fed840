#include "tests/support/sample_events.h"

#include <flatbuffers/flatbuffers.h>

#include "core/schemas/order_events_generated.h"
#include "core/schemas/product_events_generated.h"

namespace orderly::testing {

namespace {
Bytes finish(flatbuffers::FlatBufferBuilder& fbb) {
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}
}  // namespace

Bytes product_created(const std::string& product_id, const std::string& name, int64_t price_cents,
                      int64_t stock) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(events::CreateProductCreatedDirect(
      fbb, product_id.c_str(), ("SKU-" + product_id).c_str(), name.c_str(), "A product for tests",
      price_cents, "USD", "testing", stock));
  return finish(fbb);
}

Bytes order_placed(const std::string& order_id, const std::string& user_id, int lines) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<events::OrderLine>> ls;
  int64_t total = 0;
  for (int i = 0; i < lines; ++i) {
    const int64_t price = 1999 + i;
    total += price * 2;
    ls.push_back(events::CreateOrderLineDirect(
        fbb, ("0192f0c1-7e4a-7000-8000-" + std::to_string(100000000000 + i)).c_str(),
        "Espresso cup", price, 2, price * 2));
  }
  fbb.Finish(events::CreateOrderPlacedDirect(fbb, order_id.c_str(), user_id.c_str(), &ls, total,
                                             "USD", nullptr, 1700000000000000));
  return finish(fbb);
}

Bytes order_confirmed(const std::string& order_id) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(events::CreateOrderConfirmedDirect(fbb, order_id.c_str(), "pay-1", nullptr));
  return finish(fbb);
}

Bytes stock_reserved(const std::string& product_id, const std::string& order_id, int64_t quantity) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(
      events::CreateStockReservedDirect(fbb, product_id.c_str(), order_id.c_str(), quantity));
  return finish(fbb);
}

void EventBatch::add(EventType type, Bytes payload) {
  payloads.push_back(std::move(payload));
  eventstore::NewEvent e;
  e.type = type;
  events.push_back(e);
}

std::span<const eventstore::NewEvent> EventBatch::span() {
  for (size_t i = 0; i < events.size(); ++i)
    events[i].payload = payloads[i];
  return events;
}

}  // namespace orderly::testing
