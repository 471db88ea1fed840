#include "tests/reliability/shop_audit.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "tests/reliability/shop_answers.h"
#include "tests/support/http_client.h"

namespace orderly::testing {

namespace json = boost::json;

namespace {

constexpr size_t kProblemsShown = 30;
constexpr size_t kReplays = 20;
constexpr size_t kOrdersFetched = 100;  // one by one, beside the full listing
constexpr size_t kOldPaymentsSampled = 200;

std::string login(HttpClient& http, const Account& a) {
  const bool by_email = a.login.find('@') != std::string::npos;
  HttpResult r = http.send("POST", "/api/auth/login", "",
                           json::serialize(json::object{{by_email ? "email" : "username", a.login},
                                                        {"password", a.password}}));
  return r.status == 200 ? string_field(r.json().as_object(), "access_token") : "";
}

// Queries that must see at least `min_position` (X-Min-Position), retried
// while the read model lags (503 projection_lagging) for up to a minute.
struct Reader {
  HttpClient& http;
  std::string token;
  uint64_t min_position;

  HttpResult get(const std::string& target) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (true) {
      HttpResult r =
          http.send("GET", target, token, "", {{"X-Min-Position", std::to_string(min_position)}});
      if (r.status != 503 || std::chrono::steady_clock::now() > deadline)
        return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
};

// Every event of `type` in the log, in order (the admin events route).
std::vector<json::object> scan_events(HttpClient& http, const std::string& token,
                                      const std::string& type, bool* complete) {
  std::vector<json::object> out;
  uint64_t from = 1;
  *complete = false;
  while (true) {
    HttpResult r = http.send(
        "GET",
        "/api/admin/events?type=" + type + "&limit=1000&from_position=" + std::to_string(from),
        token);
    if (r.status != 200)
      return out;
    const json::value v = r.json();
    const auto& items = v.at("items").as_array();
    if (items.empty())
      break;
    for (const auto& item : items)
      out.push_back(item.as_object());
    from = static_cast<uint64_t>(v.at("next_position").to_number<int64_t>());
  }
  *complete = true;
  return out;
}

enum class Verdict { kOk, kLost, kUnasked };

// Whether an order's status agrees with the moves its clients were told of:
// an acknowledged move must show (a later one may have carried it further),
// a move not acknowledged may or may not have happened, and nothing that
// nobody asked for may happen.
Verdict judge_status(const std::string& s, const LedgerOrder& o) {
  if (s != "pending" && !o.asked.contains(s))
    return Verdict::kUnasked;
  auto acked = [&](const char* status) { return o.acked.contains(status); };
  bool ok = true;
  if (acked("cancelled"))
    ok = s == "cancelled";
  else if (acked("delivered"))
    ok = s == "delivered";
  else if (acked("shipped"))
    ok = s == "shipped" || s == "delivered";
  else if (acked("confirmed"))
    ok = s != "pending";
  return ok ? Verdict::kOk : Verdict::kLost;
}

// One audit: the engine's answers gathered once, then held to the ledger.
class AuditRun {
 public:
  AuditRun(uint16_t port, const ShopLedger& ledger, const std::vector<Account>& customers,
           std::mt19937_64& rng)
      : http_(port), led_(ledger.copy()), customers_(customers), rng_(rng) {}

  AuditResult& result() { return out_; }

  bool log_in(const Account& admin) {
    admin_token_ = login(http_, admin);
    if (admin_token_.empty())
      fail(out_.mismatches, "cannot log in as the admin");
    return !admin_token_.empty();
  }

  // Acknowledged keyed placements sent again: the keys survived the crash,
  // so each answers its first order and makes none. Before the rest, so
  // that a second order made here is caught below.
  void replay_keyed_placements() {
    std::vector<const LedgerOrder*> keyed;
    for (const auto& o : led_.orders) {
      if (!o.idempotency_key.empty())
        keyed.push_back(&o);
    }
    std::shuffle(keyed.begin(), keyed.end(), rng_);
    keyed.resize(std::min(keyed.size(), kReplays));
    for (const LedgerOrder* o : keyed) {
      HttpResult r = http_.send("POST", "/api/orders", token_of(o->customer), o->body,
                                {{"Idempotency-Key", o->idempotency_key}});
      const std::string id = classify(r) == Answer::kAcked ? id_of(r.json(), "order") : "";
      if (id == o->id) {
        ++out_.replays_checked;
      } else if (!id.empty()) {
        fail(out_.duplicates,
             "a retry of placement " + o->tag + " made order " + id + " beside order " + o->id);
      } else {
        fail(out_.mismatches, "a retry of placement " + o->tag + " (order " + o->id +
                                  ") was answered " + std::to_string(r.status) + " " + r.body);
      }
    }
  }

  // Nothing acknowledged is beyond the end of the log; later queries wait
  // for the read models to reach that end (X-Min-Position).
  void find_log_end() {
    HttpResult health = http_.request("GET", "/health");
    out_.log_position =
        health.status == 200
            ? static_cast<uint64_t>(int_field(health.json().as_object(), "log_position"))
            : 0;
    if (out_.log_position < led_.max_acked_position) {
      fail(out_.lost, "the log ends at " + std::to_string(out_.log_position) + " but position " +
                          std::to_string(led_.max_acked_position) + " was acknowledged");
    }
  }

  // Every order, as the admin's list shows it.
  void list_orders() {
    const Reader admin = as_admin();
    int64_t listed_total = -1;
    for (int page = 1;; ++page) {
      HttpResult r = admin.get("/api/orders?per_page=100&page=" + std::to_string(page));
      if (r.status != 200) {
        fail(out_.mismatches, "listing orders answered " + std::to_string(r.status) + " " + r.body);
        break;
      }
      const json::value v = r.json();
      listed_total = v.at("total").to_number<int64_t>();
      const auto& items = v.at("items").as_array();
      for (const auto& item : items) {
        const std::string id = string_field(item.as_object(), "id");
        if (!rows_.emplace(id, item.as_object()).second)
          fail(out_.duplicates, "order " + id + " is listed twice");
      }
      if (items.empty() || static_cast<int64_t>(page) * 100 >= listed_total)
        break;
    }
    out_.orders_in_engine = rows_.size();
    if (listed_total != static_cast<int64_t>(rows_.size())) {
      fail(out_.mismatches, "the order list says " + std::to_string(listed_total) +
                                " orders and has " + std::to_string(rows_.size()));
    }
  }

  // The log: which placement (tag) made which order. Each made at most one,
  // every acknowledged one made its order, no refused one made any, and
  // none left unanswered by a graceful stop made any.
  void check_placements(const std::set<std::string>& unanswered_at_clean_stop) {
    bool complete = false;
    const auto placed = scan_events(http_, admin_token_, "order.placed", &complete);
    if (!complete)
      fail(out_.mismatches, "cannot read order.placed events through /api/admin/events");
    std::unordered_map<std::string, std::vector<std::string>> orders_of_tag;
    std::unordered_set<std::string> placed_ids;
    for (const auto& e : placed) {
      const json::object& data = e.at("data").as_object();
      const std::string id = string_field(data, "order_id");
      if (!placed_ids.insert(id).second)
        fail(out_.duplicates, "order " + id + " was placed twice in the log");
      orders_of_tag[string_field(data, "shipping_address")].push_back(id);
    }
    for (const auto& [tag, ids] : orders_of_tag) {
      if (ids.size() > 1) {
        out_.duplicates += ids.size() - 2;
        fail(out_.duplicates, "placement " + tag + " made " + std::to_string(ids.size()) +
                                  " orders: " + ids[0] + ", " + ids[1] + ", ...");
      }
      if (!led_.tags.contains(tag))
        fail(out_.mismatches, "order " + ids[0] + " was placed by no client (tag '" + tag + "')");
    }
    if (complete && placed_ids.size() != rows_.size()) {
      fail(out_.mismatches, "the log has " + std::to_string(placed_ids.size()) +
                                " placed orders, the orders read model " +
                                std::to_string(rows_.size()));
    }
    for (const auto& [tag, fate] : led_.tags) {
      auto it = orders_of_tag.find(tag);
      if (fate.first == TagFate::kAcked && it == orders_of_tag.end())
        fail(out_.lost,
             "acknowledged placement " + tag + " (order " + fate.second + ") is not in the log");
      else if (fate.first == TagFate::kAcked && it->second.front() != fate.second)
        fail(out_.mismatches, "placement " + tag + " was acknowledged as order " + fate.second +
                                  " but made order " + it->second.front());
      else if (fate.first == TagFate::kRefused && it != orders_of_tag.end())
        fail(out_.mismatches, "refused placement " + tag + " made order " + it->second.front());
    }
    for (const auto& tag : unanswered_at_clean_stop) {
      if (auto it = orders_of_tag.find(tag); it != orders_of_tag.end())
        fail(out_.mismatches, "placement " + tag + " made order " + it->second.front() +
                                  " during a graceful stop, but its answer never came");
    }
  }

  // Each acknowledged order: there, as acknowledged, in a status its moves
  // explain; a sample also one by one, as the admin and as their owners.
  void check_orders() {
    for (const auto& o : led_.orders) {
      auto it = rows_.find(o.id);
      if (it == rows_.end()) {
        fail(out_.lost, "acknowledged order " + o.id + " (" + o.tag + ") is missing");
        continue;
      }
      if (auto why = order_mismatch(it->second, o); !why.empty()) {
        fail(out_.lost, "order " + o.id + " differs from its acknowledgement: " + why);
        continue;
      }
      const std::string status = string_field(it->second, "status");
      const Verdict v = judge_status(status, o);
      if (v == Verdict::kLost) {
        fail(out_.lost, "order " + o.id + " is " + status + " after acknowledged moves to " +
                            json::serialize(json::value_from(o.acked)));
        continue;
      }
      if (v == Verdict::kUnasked) {
        fail(out_.mismatches, "order " + o.id + " is " + status + ", which nobody asked for");
        continue;
      }
      if (o.acked.contains("cancelled") &&
          (o.acked.contains("shipped") || o.acked.contains("delivered")))
        fail(out_.mismatches, "order " + o.id + " was acknowledged both cancelled and shipped");
      ++out_.orders_checked;
    }

    std::vector<const LedgerOrder*> sample;
    for (const auto& o : led_.orders)
      sample.push_back(&o);
    std::shuffle(sample.begin(), sample.end(), rng_);
    sample.resize(std::min(sample.size(), kOrdersFetched));
    for (size_t i = 0; i < sample.size(); ++i) {
      const LedgerOrder& o = *sample[i];
      const Reader reader{http_, i % 2 ? admin_token_ : token_of(o.customer), out_.log_position};
      HttpResult r = reader.get("/api/orders/" + o.id);
      const json::value answer = r.json();
      const json::object* row = row_of(answer, "order");
      if (r.status != 200 || !row) {
        fail(out_.lost, "GET order " + o.id + " answered " + std::to_string(r.status));
        continue;
      }
      auto listed = rows_.find(o.id);
      if (listed != rows_.end() &&
          (!order_mismatch(*row, o).empty() ||
           string_field(*row, "status") != string_field(listed->second, "status")))
        fail(out_.mismatches,
             "GET order " + o.id + " differs from the list: " + json::serialize(*row));
    }
  }

  // Payments: no order paid twice, every paid order confirmed, every
  // acknowledged payment as acknowledged (those from `first_new` on, and a
  // sample of the older ones).
  void check_payments(size_t first_new) {
    bool complete = false;
    const auto paid = scan_events(http_, admin_token_, "payment.succeeded", &complete);
    if (!complete)
      fail(out_.mismatches, "cannot read payment.succeeded events through /api/admin/events");
    std::unordered_map<std::string, int> payments_of_order;
    for (const auto& e : paid)
      ++payments_of_order[string_field(e.at("data").as_object(), "order_id")];
    for (const auto& [order, n] : payments_of_order) {
      if (n > 1)
        fail(out_.duplicates, "order " + order + " was paid " + std::to_string(n) + " times");
      auto it = rows_.find(order);
      if (it != rows_.end() && string_field(it->second, "status") == "pending")
        fail(out_.mismatches, "order " + order + " was paid but is pending");
    }

    std::vector<const LedgerPayment*> payments, older;
    for (size_t i = 0; i < led_.payments.size(); ++i)
      (i < first_new ? older : payments).push_back(&led_.payments[i]);
    std::shuffle(older.begin(), older.end(), rng_);
    older.resize(std::min(older.size(), kOldPaymentsSampled));
    payments.insert(payments.end(), older.begin(), older.end());
    const Reader admin = as_admin();
    for (const LedgerPayment* p : payments) {
      HttpResult r = admin.get("/api/payments/" + p->id);
      const json::value answer = r.json();
      const json::object* row = row_of(answer, "payment");
      if (r.status != 200 || !row) {
        fail(out_.lost, "acknowledged payment " + p->id + " answered " + std::to_string(r.status));
        continue;
      }
      const std::string status = string_field(*row, "status");
      // Cancelling a paid order refunds its payment in the same commit:
      // a succeeded payment of an order that is cancelled now is refunded
      // in full (whether or not that cancellation was answered).
      auto order = rows_.find(p->order_id);
      const bool cancelled =
          order != rows_.end() && string_field(order->second, "status") == "cancelled";
      const std::string expected =
          p->status == "succeeded" && cancelled ? std::string("refunded") : p->status;
      if (string_field(*row, "order_id") != p->order_id ||
          int_field(*row, "amount_cents") != p->amount_cents) {
        fail(out_.mismatches, "payment " + p->id + " differs: " + json::serialize(*row));
      } else if (expected == "refunded" &&
                 (status != "refunded" || int_field(*row, "refunded_cents") != p->amount_cents)) {
        fail(out_.lost, "payment " + p->id + " of cancelled order " + p->order_id +
                            " is not refunded in full: " + json::serialize(*row));
      } else if (p->status != "requires_confirmation" && status != expected) {
        fail(out_.lost,
             "payment " + p->id + " was acknowledged " + p->status + " but is " + status);
      } else if (p->status == "requires_confirmation" && !p->confirm_in_doubt &&
                 status != p->status &&
                 // An unconfirmed payment of an order cancelled or expired
                 // since is canceled with it (commands/payment.h).
                 !(cancelled && status == "canceled")) {
        fail(out_.mismatches,
             "payment " + p->id + " is " + status + " without an answered confirmation");
      } else {
        ++out_.payments_checked;
      }
    }
  }

  // Stock: the catalog agrees with the orders (reserved = what pending
  // orders hold; stock = what was ever added less what confirmed, shipped
  // and delivered orders took), and nothing is oversold.
  void check_stock() {
    std::unordered_map<std::string, int64_t> reserved, sold;
    for (const auto& [id, row] : rows_) {
      const std::string status = string_field(row, "status");
      for (const auto& item : row.at("items").as_array()) {
        const json::object& line = item.as_object();
        const std::string product = string_field(line, "product_id");
        const int64_t quantity = int_field(line, "quantity");
        if (status == "pending")
          reserved[product] += quantity;
        else if (status == "confirmed" || status == "shipped" || status == "delivered")
          sold[product] += quantity;
      }
    }
    const Reader admin = as_admin();
    for (const auto& p : led_.products) {
      HttpResult r = admin.get("/api/products/" + p.id);
      const json::value answer = r.json();
      const json::object* row = row_of(answer, "product");
      if (r.status != 200 || !row) {
        fail(out_.lost, "product " + p.id + " answered " + std::to_string(r.status));
        continue;
      }
      const int64_t stock = int_field(*row, "stock"), held = int_field(*row, "reserved"),
                    available = int_field(*row, "available");
      const std::string name = "product " + p.id + " (stock " + std::to_string(stock) +
                               ", reserved " + std::to_string(held) + ", sold " +
                               std::to_string(sold[p.id]) + ")";
      if (held < 0 || held > stock)
        fail(out_.oversold, name + ": reserved is outside [0, stock]");
      if (available != std::max<int64_t>(0, stock - held))
        fail(out_.mismatches, name + ": available is " + std::to_string(available));
      if (held != reserved[p.id])
        fail(out_.mismatches, name + ": pending orders reserve " + std::to_string(reserved[p.id]));
      // Stock ever added: the initial stock and the restocks that happened,
      // every acknowledged one and perhaps some in doubt.
      const int64_t added = stock + sold[p.id] - p.initial_stock;
      const int64_t restocks = added / ShopLedger::kRestockUnits;
      const int64_t possible = p.restocks_acked + p.restocks_in_doubt;
      if (added < 0 || added % ShopLedger::kRestockUnits != 0 || restocks < p.restocks_acked ||
          restocks > possible) {
        fail(restocks < p.restocks_acked ? out_.lost : out_.mismatches,
             name + ": " + std::to_string(added) + " units added, with " +
                 std::to_string(p.restocks_acked) + " restocks acknowledged and " +
                 std::to_string(p.restocks_in_doubt) + " in doubt");
      }
      const int64_t ever =
          p.initial_stock + ShopLedger::kRestockUnits * std::clamp<int64_t>(restocks, 0, possible);
      if (const int64_t over = sold[p.id] + reserved[p.id] - ever; over > 0) {
        out_.oversold += static_cast<uint64_t>(over) - 1;
        fail(out_.oversold, name + ": " + std::to_string(over) + " units beyond the " +
                                std::to_string(ever) + " ever stocked");
      }
    }
  }

  size_t payments_recorded() const { return led_.payments.size(); }

 private:
  void fail(uint64_t& counter, std::string what) {
    ++counter;
    if (out_.problems.size() < kProblemsShown)
      out_.problems.push_back(std::move(what));
  }
  Reader as_admin() { return Reader{http_, admin_token_, out_.log_position}; }
  const std::string& token_of(size_t customer) {
    auto it = customer_tokens_.find(customer);
    if (it == customer_tokens_.end())
      it = customer_tokens_.emplace(customer, login(http_, customers_[customer])).first;
    return it->second;
  }

  HttpClient http_;
  const ShopLedger::Copy led_;
  const std::vector<Account>& customers_;
  std::mt19937_64& rng_;
  AuditResult out_;
  std::string admin_token_;
  std::map<size_t, std::string> customer_tokens_;
  std::unordered_map<std::string, json::object> rows_;  // every order in the engine, by id
};

}  // namespace

AuditResult ShopAuditor::audit(uint16_t port,
                               const std::set<std::string>& unanswered_at_clean_stop) {
  AuditRun run(port, ledger_, customers_, rng_);
  if (!run.log_in(admin_))
    return run.result();
  run.replay_keyed_placements();
  run.find_log_end();
  run.list_orders();
  run.check_placements(unanswered_at_clean_stop);
  run.check_orders();
  run.check_payments(payments_audited_);
  payments_audited_ = run.payments_recorded();
  run.check_stock();
  return run.result();
}

}  // namespace orderly::testing
