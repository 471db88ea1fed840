#include "tests/reliability/shop_load.h"

#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <random>

#include "tests/reliability/shop_answers.h"
#include "tests/support/http_client.h"

namespace orderly::testing {

namespace json = boost::json;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

}  // namespace

// One client's connection and session: reconnects to each new server, logs
// in when it has no token and again on 401 (an expired access token).
class ShopLoad::Client {
 public:
  Client(ShopLoad& load, Account account) : load_(load), account_(std::move(account)) {}

  void use(const LoadGate::Endpoint& at) {
    if (at.generation != generation_) {
      http_ = std::make_unique<HttpClient>(at.port);
      generation_ = at.generation;
    }
  }

  HttpResult send(const std::string& method, const std::string& target,
                  const std::string& body = "", Headers headers = {}) {
    if (token_.empty() && !login())
      return {};
    ++load_.requests_;
    HttpResult r = http_->send(method, target, token_, body, headers);
    if (r.status == 401 && login()) {
      ++load_.requests_;
      r = http_->send(method, target, token_, body, headers);
    }
    if (r.status >= 500)
      ++load_.server_errors_;
    return r;
  }

 private:
  bool login() {
    const bool by_email = account_.login.find('@') != std::string::npos;
    ++load_.requests_;
    HttpResult r =
        http_->send("POST", "/api/auth/login", "",
                    json::serialize(json::object{{by_email ? "email" : "username", account_.login},
                                                 {"password", account_.password}}));
    if (r.status != 200)
      return false;
    token_ = string_field(r.json().as_object(), "access_token");
    return !token_.empty();
  }

  ShopLoad& load_;
  Account account_;
  std::unique_ptr<HttpClient> http_;
  uint64_t generation_ = 0;
  std::string token_;
};

ShopLoad::ShopLoad(ShopLedger& ledger, LoadGate& gate, std::vector<Account> customers,
                   Account admin, uint64_t seed)
    : ledger_(ledger),
      gate_(gate),
      customers_(std::move(customers)),
      admin_(std::move(admin)),
      seed_(seed) {}

ShopLoad::~ShopLoad() {
  stop();
}

void ShopLoad::start() {
  for (size_t i = 0; i < customers_.size(); ++i)
    threads_.emplace_back([this, i] { run_customer(i); });
  threads_.emplace_back([this] { run_admin(); });
}

void ShopLoad::stop() {
  gate_.finish();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

void ShopLoad::run_customer(size_t index) {
  std::mt19937_64 rng(seed_ * 1000 + index);
  const Account& me = customers_[index];
  Client client(*this, me);
  const auto products = ledger_.products();
  uint64_t placed = 0, my_position = 0;

  // A placement: the order as it will be acknowledged (id empty until then)
  // and the body sent; one that is keyed and in doubt is retried as is.
  std::optional<LedgerOrder> unanswered;

  auto new_placement = [&] {
    LedgerOrder p;
    p.customer = index;
    p.user_id = me.user_id;
    p.tag = "kill-loop/" + std::to_string(seed_) + "/" + me.login + "/" + std::to_string(++placed);
    if (rng() % 5 < 2)
      p.idempotency_key = p.tag;
    json::array items;
    const size_t first = rng() % products.size();
    const size_t lines = 1 + rng() % 2;
    for (size_t k = 0; k < lines; ++k) {
      const LedgerProduct& product = products[(first + k) % products.size()];
      const int64_t quantity = 1 + static_cast<int64_t>(rng() % 3);
      p.lines.push_back({product.id, quantity, product.price_cents});
      p.total_cents += quantity * product.price_cents;
      items.push_back(json::object{{"product_id", product.id}, {"quantity", quantity}});
    }
    p.body =
        json::serialize(json::object{{"items", std::move(items)}, {"shipping_address", p.tag}});
    return p;
  };

  auto send_placement = [&](LedgerOrder& p) {
    Headers h;
    if (!p.idempotency_key.empty())
      h.emplace_back("Idempotency-Key", p.idempotency_key);
    return client.send("POST", "/api/orders", p.body, h);
  };

  // Records the answer to a placement (or to a retry of it).
  auto settle = [&](LedgerOrder& p, const HttpResult& r) {
    const Answer a = classify(r);
    if (a == Answer::kAcked) {
      LedgerOrder order = p;
      order.id = id_of(r.json(), "order");
      if (order.id.empty())
        ledger_.anomaly("placement " + order.tag + " acknowledged without an id: " + r.body);
      const json::value answer = r.json();
      if (const json::object* row = row_of(answer, "order")) {
        if (auto why = order_mismatch(*row, order); !why.empty())
          ledger_.anomaly("placement " + order.tag + " answered an order that differs: " + why);
      }
      my_position = std::max(my_position, position_of(r));
      ledger_.placement_acked(std::move(order), position_of(r));
    } else if (a == Answer::kRefused) {
      ledger_.placement_refused(p.tag);
    } else {
      ledger_.placement_in_doubt(p.tag);
    }
    return a;
  };

  auto place = [&]() -> Answer {
    LedgerOrder p = new_placement();
    const Answer a = settle(p, send_placement(p));
    if ((a == Answer::kInDoubt || a == Answer::kGone) && !p.idempotency_key.empty())
      unanswered = p;
    if (a == Answer::kAcked && !p.idempotency_key.empty() && rng() % 4 == 0) {
      // A client that did not see the answer sends it again: the same order.
      return settle(p, send_placement(p)) == Answer::kGone ? Answer::kGone : Answer::kAcked;
    }
    return a;
  };

  auto retry_unanswered = [&]() -> Answer {
    const Answer a = settle(*unanswered, send_placement(*unanswered));
    if (a == Answer::kAcked || a == Answer::kRefused)
      unanswered.reset();
    return a;
  };

  auto pay = [&]() -> Answer {
    auto order = ledger_.pick_order(index, {"pending"}, rng);
    if (!order)
      return Answer::kRefused;
    HttpResult r = client.send("POST", "/api/payments",
                               json::serialize(json::object{{"order_id", order->id}}));
    Answer a = classify(r);
    if (a != Answer::kAcked) {
      if (a == Answer::kRefused)
        ledger_.count_refusal();
      else
        ledger_.count_in_doubt();
      return a;
    }
    LedgerPayment payment;
    payment.id = id_of(r.json(), "payment");
    payment.order_id = order->id;
    payment.customer = index;
    payment.amount_cents = order->total_cents;
    const json::value answer = r.json();
    if (const json::object* row = row_of(answer, "payment")) {
      if (int_field(*row, "amount_cents") != order->total_cents ||
          string_field(*row, "order_id") != order->id)
        ledger_.anomaly("payment " + payment.id + " answered " + json::serialize(*row) +
                        " for order " + order->id + " of " + std::to_string(order->total_cents));
    }
    my_position = std::max(my_position, position_of(r));
    ledger_.payment_acked(payment, position_of(r));

    const bool ok = rng() % 4 != 0;
    if (ok)
      ledger_.move_asked(order->id, "confirmed");
    r = client.send(
        "POST", "/api/payments/" + payment.id + "/confirm",
        json::serialize(json::object{{"payment_method", ok ? "pm_card_ok" : "pm_card_declined"}}));
    a = classify(r);
    if (a == Answer::kAcked) {
      const std::string expected = ok ? "succeeded" : "failed";
      const json::value answer = r.json();
      const json::object* row = row_of(answer, "payment");
      if (row && string_field(*row, "status") != expected)
        ledger_.anomaly("payment " + payment.id + " confirmed as " + string_field(*row, "status") +
                        " instead of " + expected);
      my_position = std::max(my_position, position_of(r));
      ledger_.payment_confirmed(payment.id, expected, position_of(r));
    } else if (a == Answer::kRefused) {
      ledger_.count_refusal();  // the order moved on meanwhile (an admin, a cancellation)
    } else {
      ledger_.payment_confirm_in_doubt(payment.id);
    }
    return a;
  };

  auto cancel = [&]() -> Answer {
    auto order = ledger_.pick_order(index, {"pending", "confirmed"}, rng);
    if (!order)
      return Answer::kRefused;
    ledger_.move_asked(order->id, "cancelled");
    HttpResult r = client.send("POST", "/api/orders/" + order->id + "/cancel");
    const Answer a = classify(r);
    if (a == Answer::kAcked) {
      my_position = std::max(my_position, position_of(r));
      ledger_.move_acked(order->id, "cancelled", position_of(r));
    } else if (a == Answer::kRefused) {
      ledger_.count_refusal();
    } else {
      ledger_.count_in_doubt();
    }
    return a;
  };

  // Read-your-writes: an acknowledged order is there once the read model has
  // applied this client's last acknowledged position.
  auto read_back = [&]() -> Answer {
    auto order = ledger_.pick_order(
        index, {"pending", "confirmed", "shipped", "delivered", "cancelled"}, rng);
    if (!order)
      return Answer::kRefused;
    HttpResult r = client.send("GET", "/api/orders/" + order->id, "",
                               {{"X-Min-Position", std::to_string(my_position)}});
    if (r.status == 0)
      return Answer::kGone;
    if (r.status == 200) {
      ++reads_checked_;
      const json::value answer = r.json();
      const json::object* row = row_of(answer, "order");
      const std::string why = row ? order_mismatch(*row, *order) : "no order in " + r.body;
      if (!why.empty())
        ledger_.anomaly("order " + order->id + " read back differs: " + why);
    } else if (r.status != 503) {  // 503: projection_lagging, allowed
      ledger_.anomaly("acknowledged order " + order->id + " read back as " +
                      std::to_string(r.status) + " " + r.body);
    }
    return Answer::kAcked;
  };

  uint64_t min_generation = 0;
  while (auto at = gate_.enter(min_generation)) {
    client.use(*at);
    Answer a;
    if (unanswered) {
      a = retry_unanswered();
    } else {
      const uint64_t roll = rng() % 100;
      a = roll < 50 ? place() : roll < 80 ? pay() : roll < 92 ? cancel() : read_back();
    }
    min_generation = a == Answer::kGone ? at->generation + 1 : 0;
  }
}

void ShopLoad::run_admin() {
  std::mt19937_64 rng(seed_ * 1000 + 999);
  Client client(*this, admin_);
  const auto products = ledger_.products();
  uint64_t restocks = 0;

  struct Restock {
    std::string product_id, key;
  };
  std::optional<Restock> unanswered;  // retried with its key until answered

  auto send_restock = [&](Restock s) -> Answer {
    HttpResult r = client.send("PUT", "/api/products/" + s.product_id + "/stock",
                               json::serialize(json::object{{"delta", ShopLedger::kRestockUnits}}),
                               {{"Idempotency-Key", s.key}});
    const Answer a = classify(r);
    if (a == Answer::kAcked || a == Answer::kRefused) {
      ledger_.restock_answered(s.product_id, a == Answer::kAcked, position_of(r));
      unanswered.reset();
    } else {
      ledger_.count_in_doubt();
      unanswered = s;
    }
    return a;
  };

  // A product running short gets more stock.
  auto restock = [&]() -> Answer {
    const LedgerProduct& p = products[rng() % products.size()];
    HttpResult r = client.send("GET", "/api/products/" + p.id);
    if (r.status == 0)
      return Answer::kGone;
    const json::value answer = r.json();
    const json::object* row = row_of(answer, "product");
    if (r.status != 200 || !row || int_field(*row, "available") >= 10)
      return Answer::kAcked;
    Restock s{p.id, "restock/" + std::to_string(seed_) + "/" + std::to_string(++restocks)};
    ledger_.restock_asked(p.id);
    return send_restock(s);
  };

  // pending -> confirmed -> shipped -> delivered, by an admin.
  auto advance = [&]() -> Answer {
    auto order = ledger_.pick_order(std::nullopt, {"pending", "confirmed", "shipped"}, rng);
    if (!order)
      return Answer::kRefused;
    const std::string next = order->status == "pending"     ? "confirmed"
                             : order->status == "confirmed" ? "shipped"
                                                            : "delivered";
    ledger_.move_asked(order->id, next);
    HttpResult r = client.send("PUT", "/api/orders/" + order->id + "/status",
                               json::serialize(json::object{{"status", next}}));
    const Answer a = classify(r);
    if (a == Answer::kAcked)
      ledger_.move_acked(order->id, next, position_of(r));
    else if (a == Answer::kRefused)
      ledger_.count_refusal();  // a customer cancelled or paid meanwhile
    else
      ledger_.count_in_doubt();
    return a;
  };

  uint64_t min_generation = 0;
  while (auto at = gate_.enter(min_generation)) {
    client.use(*at);
    Answer a;
    if (unanswered)
      a = send_restock(*unanswered);
    else
      a = rng() % 100 < 85 ? advance() : restock();
    min_generation = a == Answer::kGone ? at->generation + 1 : 0;
  }
}

}  // namespace orderly::testing
