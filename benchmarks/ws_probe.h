// What the command -> WebSocket push benchmarks share (orderly-microbench's
// fanout benchmarks and orderly-bench's in-process fanout): a hub
// subscriber that records when each pushed message (by its log position)
// reached it, as a connection would write it; one product to order; orders
// placed at a steady rate with the time each was acknowledged.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "api/notify/push/ws_hub.h"
#include "commands/processor.h"
#include "core/ids.h"

namespace orderly::bench {

class RecordingSink final : public api::http::WsSink {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using api::http::WsSink::send;
  void send(std::string text, api::http::WsDone done) override {
    const auto at = std::chrono::steady_clock::now();
    if (done)
      done(api::http::WsDelivery::kWritten, {});  // "written" here is "arrived"
    const size_t p = text.find("\"position\":");
    if (p == std::string::npos)
      return;
    const uint64_t position = std::strtoull(text.c_str() + p + 11, nullptr, 10);
    std::lock_guard lock(mu);
    arrived[position] = at;
  }
  void close(uint16_t, std::string) override {}
  size_t count() {
    std::lock_guard lock(mu);
    return arrived.size();
  }
  std::mutex mu;
  std::unordered_map<uint64_t, TimePoint> arrived;  // guarded by mu
};

// One product with unlimited stock that the benchmarks order.
inline commands::CreateProduct create_cup(commands::CommandProcessor& writer) {
  commands::CommandMeta admin;
  admin.role = commands::Role::kAdmin;
  commands::CreateProduct cup;
  cup.product_id = *Uuid::parse(new_uuid_v7());
  cup.sku = "CUP";
  cup.name = "Espresso cup";
  cup.category = "kitchen";
  cup.price_cents = 1250;
  cup.stock = commands::kMaxStock;
  (void)writer.execute(cup, admin);
  return cup;
}

// The acknowledgements of the commands place_orders_at_rate submits: reply
// time by the command's last log position (written on the store's sync
// thread, which answers the commands).
struct Acks {
  std::mutex mu;
  std::unordered_map<uint64_t, std::chrono::steady_clock::time_point> at;
  std::atomic<int> outstanding{0};
  std::atomic<int> failed{0};
};

// PlaceOrder (one cup) for `user` at `rate` commands per second for
// `seconds`, then waits until every command has answered.
inline void place_orders_at_rate(commands::CommandProcessor& writer,
                                 const commands::CreateProduct& cup,
                                 const commands::CommandMeta& user, int rate, int seconds,
                                 Acks& acks) {
  const auto start = std::chrono::steady_clock::now();
  const int total = rate * seconds;
  for (int i = 0; i < total; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * i / rate));
    ++acks.outstanding;
    writer.submit(
        commands::PlaceOrder{*Uuid::parse(new_uuid_v7()), {{cup.product_id, 1}}, "", 900'000'000},
        user, [&acks](Result<commands::CommandReply> r) {
          if (r) {
            const auto now = std::chrono::steady_clock::now();
            std::lock_guard lock(acks.mu);
            acks.at[r->last_position] = now;
          } else {
            ++acks.failed;
          }
          --acks.outstanding;
        });
  }
  while (acks.outstanding.load() > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace orderly::bench
