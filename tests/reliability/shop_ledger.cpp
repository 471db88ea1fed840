#include "tests/reliability/shop_ledger.h"

#include <algorithm>

namespace orderly::testing {

namespace {

// How far along the contract's moves a status is; cancelled ends any path.
int rank(const std::string& status) {
  if (status == "confirmed")
    return 1;
  if (status == "shipped")
    return 2;
  if (status == "delivered")
    return 3;
  if (status == "cancelled")
    return 4;
  return 0;
}

}  // namespace

void ShopLedger::note_position(uint64_t position) {
  max_position_ = std::max(max_position_, position);
  ++acknowledged_;
}

void ShopLedger::add_product(LedgerProduct p) {
  std::lock_guard lock(mu_);
  products_.push_back(std::move(p));
}

std::vector<LedgerProduct> ShopLedger::products() const {
  std::lock_guard lock(mu_);
  return products_;
}

void ShopLedger::placement_acked(LedgerOrder order, uint64_t position) {
  std::lock_guard lock(mu_);
  note_position(position);
  auto& [fate, id] = tags_.try_emplace(order.tag, TagFate::kInDoubt, "").first->second;
  if (fate == TagFate::kAcked) {  // a retry of an acknowledged placement
    if (id != order.id) {
      anomalies_.push_back("placement " + order.tag + " was acknowledged as order " + id +
                           " and again as order " + order.id);
    }
    return;
  }
  if (fate == TagFate::kRefused) {
    anomalies_.push_back("placement " + order.tag + " was refused, then acknowledged");
  }
  fate = TagFate::kAcked;
  id = order.id;
  if (order_index_.contains(order.id)) {
    anomalies_.push_back("order " + order.id + " acknowledged for two placements");
    return;
  }
  order.acked.insert("pending");
  order.asked.insert("pending");
  order_index_[order.id] = orders_.size();
  by_customer_[order.customer].push_back(orders_.size());
  orders_.push_back(std::move(order));
}

void ShopLedger::placement_refused(const std::string& tag) {
  std::lock_guard lock(mu_);
  ++refused_;
  auto it = tags_.find(tag);
  if (it != tags_.end() && it->second.first == TagFate::kAcked) {
    anomalies_.push_back("placement " + tag + " was acknowledged as order " + it->second.second +
                         ", then a retry with its Idempotency-Key was refused");
    return;
  }
  tags_[tag] = {TagFate::kRefused, ""};
}

void ShopLedger::placement_in_doubt(const std::string& tag) {
  std::lock_guard lock(mu_);
  ++in_doubt_;
  tags_.try_emplace(tag, TagFate::kInDoubt, "");
}

void ShopLedger::move_asked(const std::string& order_id, const std::string& status) {
  std::lock_guard lock(mu_);
  if (auto it = order_index_.find(order_id); it != order_index_.end())
    orders_[it->second].asked.insert(status);
}

void ShopLedger::move_acked(const std::string& order_id, const std::string& status,
                            uint64_t position) {
  std::lock_guard lock(mu_);
  note_position(position);
  auto it = order_index_.find(order_id);
  if (it == order_index_.end())
    return;
  LedgerOrder& o = orders_[it->second];
  o.asked.insert(status);
  o.acked.insert(status);
  if (rank(status) > rank(o.status))
    o.status = status;
}

void ShopLedger::payment_acked(LedgerPayment payment, uint64_t position) {
  std::lock_guard lock(mu_);
  note_position(position);
  if (payment_index_.contains(payment.id)) {
    anomalies_.push_back("payment " + payment.id + " acknowledged twice");
    return;
  }
  payment_index_[payment.id] = payments_.size();
  payments_.push_back(std::move(payment));
}

void ShopLedger::payment_confirmed(const std::string& payment_id, const std::string& status,
                                   uint64_t position) {
  std::lock_guard lock(mu_);
  note_position(position);
  auto it = payment_index_.find(payment_id);
  if (it == payment_index_.end())
    return;
  LedgerPayment& p = payments_[it->second];
  p.status = status;
  if (status != "succeeded")
    return;
  if (auto o = order_index_.find(p.order_id); o != order_index_.end()) {
    LedgerOrder& order = orders_[o->second];
    order.asked.insert("confirmed");
    order.acked.insert("confirmed");
    if (rank("confirmed") > rank(order.status))
      order.status = "confirmed";
  }
}

void ShopLedger::payment_confirm_in_doubt(const std::string& payment_id) {
  std::lock_guard lock(mu_);
  ++in_doubt_;
  if (auto it = payment_index_.find(payment_id); it != payment_index_.end())
    payments_[it->second].confirm_in_doubt = true;
}

void ShopLedger::restock_asked(const std::string& product_id) {
  std::lock_guard lock(mu_);
  for (auto& p : products_) {
    if (p.id == product_id)
      ++p.restocks_in_doubt;
  }
}

void ShopLedger::restock_answered(const std::string& product_id, bool acked, uint64_t position) {
  std::lock_guard lock(mu_);
  if (acked)
    note_position(position);
  else
    ++refused_;
  for (auto& p : products_) {
    if (p.id == product_id) {
      --p.restocks_in_doubt;
      if (acked)
        ++p.restocks_acked;
    }
  }
}

void ShopLedger::anomaly(std::string what) {
  std::lock_guard lock(mu_);
  anomalies_.push_back(std::move(what));
}

void ShopLedger::count_refusal() {
  std::lock_guard lock(mu_);
  ++refused_;
}

void ShopLedger::count_in_doubt() {
  std::lock_guard lock(mu_);
  ++in_doubt_;
}

std::optional<LedgerOrder> ShopLedger::pick_order(std::optional<size_t> customer,
                                                  const std::set<std::string>& statuses,
                                                  std::mt19937_64& rng) const {
  std::lock_guard lock(mu_);
  // Recent orders only: old ones have mostly reached an end.
  std::vector<size_t> window;
  if (customer) {
    auto it = by_customer_.find(*customer);
    if (it == by_customer_.end())
      return std::nullopt;
    const auto& mine = it->second;
    window.assign(mine.end() - static_cast<std::ptrdiff_t>(std::min<size_t>(mine.size(), 64)),
                  mine.end());
  } else {
    for (size_t i = orders_.size() - std::min<size_t>(orders_.size(), 256); i < orders_.size(); ++i)
      window.push_back(i);
  }
  if (window.empty())
    return std::nullopt;
  const size_t start = rng() % window.size();
  for (size_t k = 0; k < window.size(); ++k) {
    const LedgerOrder& o = orders_[window[(start + k) % window.size()]];
    if (statuses.contains(o.status))
      return o;
  }
  return std::nullopt;
}

std::vector<LedgerOrder> ShopLedger::keyed_orders() const {
  std::lock_guard lock(mu_);
  std::vector<LedgerOrder> out;
  for (const auto& o : orders_) {
    if (!o.idempotency_key.empty())
      out.push_back(o);
  }
  return out;
}

std::set<std::string> ShopLedger::tags_in_doubt() const {
  std::lock_guard lock(mu_);
  std::set<std::string> out;
  for (const auto& [tag, fate] : tags_) {
    if (fate.first == TagFate::kInDoubt)
      out.insert(tag);
  }
  return out;
}

ShopLedger::Copy ShopLedger::copy() const {
  std::lock_guard lock(mu_);
  return {products_, orders_, payments_, tags_, anomalies_, max_position_};
}

uint64_t ShopLedger::acknowledged() const {
  std::lock_guard lock(mu_);
  return acknowledged_;
}

uint64_t ShopLedger::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

uint64_t ShopLedger::in_doubt() const {
  std::lock_guard lock(mu_);
  return in_doubt_;
}

}  // namespace orderly::testing
