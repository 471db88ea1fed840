// What the kill loop's clients were told: every command the engine
// acknowledged (200/201/202) with what it answered, every command it refused
// (4xx: no effect allowed), and every command left in doubt (no answer: the
// server died, or a 5xx), which may or may not have happened. The audit
// holds the engine to it after each restart.
//
// Each placement carries a unique tag as its shipping address (the same for
// every retry of one Idempotency-Key), so the log shows which command made
// which order, and whether any command made two.
//
// Thread safety: every method from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace orderly::testing {

struct LedgerLine {
  std::string product_id;
  int64_t quantity = 0;
  int64_t unit_price_cents = 0;
};

struct LedgerOrder {
  std::string id, user_id, tag;
  std::string idempotency_key;  // empty: placed without one
  std::string body;             // as sent (a retry must send the same bytes)
  size_t customer = 0;
  std::vector<LedgerLine> lines;
  int64_t total_cents = 0;
  std::string status = "pending";  // the last acknowledged move
  std::set<std::string> acked;     // every status acknowledged (from "pending")
  std::set<std::string> asked;     // every status asked for, answered or not
};

struct LedgerPayment {
  std::string id, order_id;
  size_t customer = 0;
  int64_t amount_cents = 0;
  std::string status = "requires_confirmation";  // as last acknowledged
  bool confirm_in_doubt = false;                 // a confirmation got no answer
};

struct LedgerProduct {
  std::string id;
  int64_t price_cents = 0;
  int64_t initial_stock = 0;
  int64_t restocks_acked = 0;     // each adds kRestockUnits
  int64_t restocks_in_doubt = 0;  // asked, not answered yet
};

enum class TagFate { kAcked, kRefused, kInDoubt };

class ShopLedger {
 public:
  static constexpr int64_t kRestockUnits = 25;

  // Everything recorded, copied at once (the audit reads it while the load
  // is paused).
  struct Copy {
    std::vector<LedgerProduct> products;
    std::vector<LedgerOrder> orders;
    std::vector<LedgerPayment> payments;
    std::unordered_map<std::string, std::pair<TagFate, std::string>> tags;  // -> fate, order id
    std::vector<std::string> anomalies;
    uint64_t max_acked_position = 0;
  };

  void add_product(LedgerProduct p);
  std::vector<LedgerProduct> products() const;

  // Placements, by tag.
  void placement_acked(LedgerOrder order, uint64_t position);
  void placement_refused(const std::string& tag);
  void placement_in_doubt(const std::string& tag);

  // Status moves of known orders ("confirmed" also by a succeeded payment).
  void move_asked(const std::string& order_id, const std::string& status);
  void move_acked(const std::string& order_id, const std::string& status, uint64_t position);

  void payment_acked(LedgerPayment payment, uint64_t position);
  // A succeeded payment also acknowledges its order's confirmation.
  void payment_confirmed(const std::string& payment_id, const std::string& status,
                         uint64_t position);
  void payment_confirm_in_doubt(const std::string& payment_id);

  void restock_asked(const std::string& product_id);
  void restock_answered(const std::string& product_id, bool acked, uint64_t position);

  // An answer that contradicts the request (a wrong total, an idempotent
  // retry answering another order, ...).
  void anomaly(std::string what);
  void count_refusal();
  void count_in_doubt();

  // A random order among the recent ones of `customer` (or of anyone, with
  // nullopt) whose last acknowledged status is in `statuses`.
  std::optional<LedgerOrder> pick_order(std::optional<size_t> customer,
                                        const std::set<std::string>& statuses,
                                        std::mt19937_64& rng) const;
  // Acknowledged orders placed with an Idempotency-Key (for replays).
  std::vector<LedgerOrder> keyed_orders() const;
  // Placements whose answer is still missing.
  std::set<std::string> tags_in_doubt() const;

  Copy copy() const;
  uint64_t acknowledged() const;  // commands acknowledged so far
  uint64_t refused() const;
  uint64_t in_doubt() const;

 private:
  void note_position(uint64_t position);  // REQUIRES: mu_ held

  mutable std::mutex mu_;
  std::vector<LedgerProduct> products_;
  std::vector<LedgerOrder> orders_;
  std::unordered_map<std::string, size_t> order_index_;
  std::map<size_t, std::vector<size_t>> by_customer_;
  std::vector<LedgerPayment> payments_;
  std::unordered_map<std::string, size_t> payment_index_;
  std::unordered_map<std::string, std::pair<TagFate, std::string>> tags_;
  std::vector<std::string> anomalies_;
  uint64_t max_position_ = 0;
  uint64_t acknowledged_ = 0, refused_ = 0, in_doubt_ = 0;
};

}  // namespace orderly::testing
