// A shop for the payment read-model suites: the real writer on a store in a
// fresh directory, inline or with a payment provider (webhooks applied as
// the route would after checking their signature), on a clock the test
// moves.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>

#include "commands/processor.h"
#include "eventstore/store.h"
#include "tests/support/ids.h"
#include "tests/support/temp_dir.h"

namespace orderly::testing {

struct PayShop {
  // 2026-11-21T10:00:00Z
  static constexpr TimestampUs kStart = 1'795'255'200'000'000LL;
  static constexpr TimestampUs kDay = 86'400'000'000LL;

  TempDir dir;
  std::shared_ptr<std::atomic<TimestampUs>> clock =
      std::make_shared<std::atomic<TimestampUs>>(kStart);
  std::unique_ptr<eventstore::EventStore> store =
      std::move(eventstore::EventStore::open(dir.sub("data")).value());
  std::unique_ptr<commands::CommandProcessor> writer;
  commands::CommandMeta admin, engine, customer;
  Uuid cup;
  int webhooks = 0;

  explicit PayShop(bool provider) {
    commands::ProcessorOptions options;
    options.payment_provider = provider;
    options.clock = [c = clock] { return c->load(); };
    writer = std::move(commands::CommandProcessor::start(*store, options).value());
    admin.role = commands::Role::kAdmin;
    engine.role = commands::Role::kEngine;
    customer.actor = test_id(500);
    cup = test_id(1);
    run(commands::CreateProduct{cup, "CUP", "Cup", "", "kitchen", "USD", 1000, 100}, admin);
  }

  template <typename C>
  void run(C c, const commands::CommandMeta& meta) {
    auto r = writer->execute(commands::Command(std::move(c)), meta);
    REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  }
  void advance(TimestampUs us) { clock->fetch_add(us); }

  Uuid order(int quantity = 1) {
    const Uuid o = new_id();
    run(commands::PlaceOrder{o, {{cup, quantity}}, "", 15 * 60 * 1'000'000LL}, customer);
    return o;
  }
  Uuid payment(const Uuid& order) {
    const Uuid p = new_id();
    run(commands::CreatePayment{p, order}, customer);
    return p;
  }
  void confirm(const Uuid& p, const std::string& method) {
    run(commands::ConfirmPayment{p, method}, customer);
  }
  void status(const Uuid& o, OrderStatus to, bool cash_collected = false) {
    run(commands::ChangeOrderStatus{o, to, cash_collected}, admin);
  }
  void webhook(commands::PaymentWebhookType type, const Uuid& p, int64_t amount,
               std::string refund_id = "", std::string reason = "") {
    commands::ApplyPaymentWebhook c;
    c.provider_event_id = "evt_" + std::to_string(++webhooks);
    c.type = type;
    c.created_s = clock->load() / 1'000'000;
    c.payment_id = p;
    c.amount_cents = amount;
    c.refund_id = std::move(refund_id);
    c.dispute_id = "dp_" + std::to_string(webhooks);
    c.reason = std::move(reason);
    c.next_action_url = "http://127.0.0.1:9/3ds/pi_1";
    run(c, engine);
  }
};

}  // namespace orderly::testing
