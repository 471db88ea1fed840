#include "api/auth/password_gate.h"

#include <algorithm>
#include <vector>

namespace orderly::api::auth {

namespace {

std::string pair_key(std::string_view account, std::string_view address) {
  std::string k(account);
  k += '\x1f';  // neither an address nor an account name holds it
  k += address;
  return k;
}

int ceil_seconds(PasswordGate::Clock::duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::max<int64_t>(1, (ms + 999) / 1000));
}

void decrement(absl::flat_hash_map<std::string, size_t, StringHash, std::equal_to<>>& m,
               const std::string& key) {
  auto it = m.find(key);
  if (it != m.end() && --it->second == 0)
    m.erase(it);
}

}  // namespace

PasswordGate::Slot::~Slot() {
  gate_->release(address_, account_, suspect_);
}

void PasswordGate::Slot::succeeded() {
  gate_->record(address_, account_, true, Clock::now());
}

void PasswordGate::Slot::failed() {
  gate_->record(address_, account_, false, Clock::now());
}

uint32_t PasswordGate::live(const Map<Failures>& m, std::string_view key,
                            Clock::time_point now) const {
  auto it = m.find(key);
  if (it == m.end() || now - it->second.last > limits_.window)
    return 0;
  return it->second.count;
}

PasswordGate::Verdict PasswordGate::admit(std::string_view address, std::string_view account,
                                          Clock::time_point now) {
  MutexLock lock(mu_);
  Verdict v;
  auto busy = in_flight_address_.find(address);
  if (busy != in_flight_address_.end() && busy->second >= limits_.per_address) {
    v.retry_after_s = 1;
    return v;
  }
  bool suspect = false;
  if (!account.empty()) {
    const std::string pair = pair_key(account, address);
    const uint32_t mine = live(pair_failures_, pair, now);
    suspect = mine > 0;
    // Under attack, a failing address is slowed from its first failure.
    const uint32_t free =
        live(account_failures_, account, now) >= limits_.alarm ? 0 : limits_.free_failures;
    if (mine > 0 && mine >= free) {
      const uint32_t steps = std::min<uint32_t>(mine - free, 30);
      const auto delay =
          std::min<Clock::duration>(std::chrono::seconds(int64_t{1} << steps), limits_.max_delay);
      const Clock::time_point until = pair_failures_.find(pair)->second.last + delay;
      if (now < until) {
        v.retry_after_s = ceil_seconds(until - now);
        return v;
      }
    }
    if (suspect) {
      auto held = in_flight_account_.find(account);
      if (held != in_flight_account_.end() && held->second >= limits_.per_account) {
        v.retry_after_s = 1;
        return v;
      }
      ++in_flight_account_[account];
    }
  }
  ++in_flight_address_[address];
  v.slot = std::make_unique<Slot>(this, std::string(address), std::string(account), suspect);
  return v;
}

void PasswordGate::release(const std::string& address, const std::string& account, bool suspect) {
  MutexLock lock(mu_);
  decrement(in_flight_address_, address);
  if (suspect)
    decrement(in_flight_account_, account);
}

void PasswordGate::record(const std::string& address, const std::string& account, bool ok,
                          Clock::time_point now) {
  if (account.empty())
    return;
  MutexLock lock(mu_);
  const std::string pair = pair_key(account, address);
  if (ok) {
    pair_failures_.erase(pair);
    return;
  }
  for (auto* m : {&pair_failures_, &account_failures_}) {
    const std::string& key = m == &pair_failures_ ? pair : account;
    const uint32_t before = live(*m, key, now);
    if (before == 0 && m->size() >= limits_.max_entries)
      make_room(*m, now);
    Failures& f = (*m)[key];
    f.count = before + 1;
    f.last = now;
  }
}

void PasswordGate::make_room(Map<Failures>& m, Clock::time_point now) {
  absl::erase_if(m, [&](const auto& kv) { return now - kv.second.last > limits_.window; });
  if (m.size() < limits_.max_entries)
    return;
  // Still full of live counts: forget the older half.
  std::vector<Clock::time_point> times;
  times.reserve(m.size());
  for (const auto& [k, f] : m)
    times.push_back(f.last);
  auto mid = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), mid, times.end());
  const Clock::time_point cut = *mid;
  absl::erase_if(m, [&](const auto& kv) { return kv.second.last <= cut; });
}

size_t PasswordGate::tracked() const {
  MutexLock lock(mu_);
  return pair_failures_.size() + account_failures_.size();
}

}  // namespace orderly::api::auth
