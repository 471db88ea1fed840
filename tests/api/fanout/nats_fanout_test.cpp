// The JetStream fan-out against a real `nats-server -js` on a free loopback
// port: every event once, in order, with its headers; a restart republishes
// its margin without duplicates; nats-server killed and restarted in the
// middle of a burst loses nothing and doubles nothing.
#include <doctest/doctest.h>
#include <nats/nats.h>

#include <memory>

#include "api/fanout/nats_fanout.h"
#include "commands/processor.h"
#include "tests/support/ids.h"
#include "tests/support/process.h"
#include "tests/support/services.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::testing;

namespace {

// Messages in the stream, as JetStream counts them.
uint64_t stream_messages(const std::string& url) {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  jsStreamInfo* info = nullptr;
  uint64_t n = UINT64_MAX;
  if (natsConnection_ConnectTo(&nc, url.c_str()) == NATS_OK &&
      natsConnection_JetStream(&js, nc, nullptr) == NATS_OK &&
      js_GetStreamInfo(&info, js, "ORDERLY", nullptr, nullptr) == NATS_OK) {
    n = info->State.Msgs;
  }
  if (info)
    jsStreamInfo_Destroy(info);
  if (js)
    jsCtx_Destroy(js);
  if (nc)
    natsConnection_Destroy(nc);
  return n;
}

bool wait_published(const api::fanout::NatsFanout& f, uint64_t position,
                    std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f.stats().published_position >= position)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void place_orders(commands::CommandProcessor& writer, const Uuid& product, int n) {
  commands::CommandMeta ada;
  ada.actor = test_id(50);
  for (int i = 0; i < n; ++i) {
    REQUIRE(writer.execute(commands::PlaceOrder{new_id(), {{product, 1}}, "", 900'000'000}, ada)
                .is_ok());
  }
}

// A store with one product of unlimited stock, its writer, and a
// nats-server beside it.
struct Shop {
  TempDir dir;
  NatsServer nats{dir.sub("nats")};
  std::unique_ptr<eventstore::EventStore> store =
      std::move(eventstore::EventStore::open(dir.sub("data")).value());
  std::unique_ptr<commands::CommandProcessor> writer =
      std::move(commands::CommandProcessor::start(*store).value());
  Uuid cup = test_id(1);

  Shop() {
    commands::CommandMeta admin;
    admin.role = commands::Role::kAdmin;
    commands::CreateProduct product;
    product.product_id = cup;
    product.sku = "CUP";
    product.name = "Cup";
    product.category = "kitchen";
    product.price_cents = 100;
    product.stock = commands::kMaxStock;
    REQUIRE(writer->execute(product, admin).is_ok());
  }
};

}  // namespace

TEST_CASE(
    "fanout: every event once, in order, with headers, restarts and NATS crashes double nothing") {
  Shop shop;
  NatsServer& nats = shop.nats;
  auto& store = shop.store;
  auto& writer = shop.writer;
  place_orders(*writer, shop.cup, 300);

  api::fanout::NatsFanoutOptions options;
  options.url = nats.url();
  options.batch = 64;  // several batches even for this small log
  {
    api::fanout::NatsFanout fanout(*store, *store, options);
    fanout.start();
    REQUIRE(wait_published(fanout, store->last_position(), std::chrono::seconds(60)));
    CHECK(fanout.stats().connected);
  }
  CHECK(stream_messages(nats.url()) == store->last_position());

  // The first message: subject, headers, the envelope as payload.
  {
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    REQUIRE(natsConnection_ConnectTo(&nc, nats.url().c_str()) == NATS_OK);
    REQUIRE(natsConnection_JetStream(&js, nc, nullptr) == NATS_OK);
    natsMsg* msg = nullptr;
    REQUIRE(js_GetMsg(&msg, js, "ORDERLY", 1, nullptr, nullptr) == NATS_OK);
    CHECK(std::string(natsMsg_GetSubject(msg)) == "orderly.events.product.created");
    const char* value = nullptr;
    REQUIRE(natsMsgHeader_Get(msg, "Nats-Msg-Id", &value) == NATS_OK);
    CHECK(std::string(value) == "1");
    REQUIRE(natsMsgHeader_Get(msg, "Orderly-Stream", &value) == NATS_OK);
    CHECK(std::string(value) == "product-" + shop.cup.to_string());
    REQUIRE(natsMsgHeader_Get(msg, "Orderly-Type", &value) == NATS_OK);
    CHECK(std::string(value) == "product.created");
    // The payload is the envelope: it decodes to position 1.
    std::vector<uint64_t> storage;
    auto view = decode_event_copy({reinterpret_cast<const uint8_t*>(natsMsg_GetData(msg)),
                                   static_cast<size_t>(natsMsg_GetDataLength(msg))},
                                  storage);
    REQUIRE(view.is_ok());
    CHECK(view->position() == 1);
    natsMsg_Destroy(msg);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }

  // A restart republishes its margin: JetStream drops the duplicates.
  {
    api::fanout::NatsFanout again(*store, *store, options);
    again.start();
    place_orders(*writer, shop.cup, 20);
    REQUIRE(wait_published(again, store->last_position(), std::chrono::seconds(60)));
    CHECK(again.stats().published > 20);  // the margin went out again
  }
  CHECK(stream_messages(nats.url()) == store->last_position());

  // nats-server killed in the middle of a burst, then back: nothing lost or
  // doubled, and the engine took orders all along.
  {
    api::fanout::NatsFanout fanout(*store, *store, options);
    fanout.start();
    place_orders(*writer, shop.cup, 100);
    nats.kill();
    place_orders(*writer, shop.cup, 200);  // accepted while NATS is down
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(fanout.stats().published_position < store->last_position());
    nats.start();
    place_orders(*writer, shop.cup, 100);
    REQUIRE(wait_published(fanout, store->last_position(), std::chrono::seconds(120)));
  }
  CHECK(stream_messages(nats.url()) == store->last_position());
}

TEST_CASE("fanout: a node whose checkpoint is behind the stream continues where the stream is") {
  // A new leader of a replicated cluster starts the fan-out from its own
  // checkpoint, as old as its last turn (here: never). It must not send the
  // log again: the duplicate window would not hide it after 10 minutes.
  Shop shop;
  NatsServer& nats = shop.nats;
  auto& store = shop.store;
  auto& writer = shop.writer;
  place_orders(*writer, shop.cup, 400);

  api::fanout::NatsFanoutOptions options;
  options.url = nats.url();
  options.batch = 64;
  {
    api::fanout::NatsFanout first(*store, *store, options);
    first.start();
    REQUIRE(wait_published(first, store->last_position(), std::chrono::seconds(60)));
  }
  const uint64_t published_end = store->last_position();
  REQUIRE(published_end > 4 * options.batch);

  // The other node: its checkpoint never moved.
  options.checkpoint = "fanout-nats-of-a-node-that-never-led";
  api::fanout::NatsFanout next(*store, *store, options);
  next.start();
  place_orders(*writer, shop.cup, 10);
  REQUIRE(wait_published(next, store->last_position(), std::chrono::seconds(60)));
  // At most the last slice before the stream's end went out again (its
  // duplicates dropped), and the new events once each.
  const uint64_t fresh = store->last_position() - published_end;
  CHECK(next.stats().published <= options.batch + fresh);
  CHECK(next.stats().published >= fresh);
  CHECK(stream_messages(nats.url()) == store->last_position());
  CHECK(store->load_checkpoint(options.checkpoint).value() == store->last_position());
}
