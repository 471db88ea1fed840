// At most two batches in flight, as the single writer drives the store:
// batch N+1 is built and submitted (EventStore::submit_batch) while batch N
// is being synced, each in its own buffers, reused once its batch is done.
// Shared by the micro-benchmarks that append pipelined (eventstore_bench,
// commands_bench), so both wait for a free buffer the same way.
#pragma once

#include <condition_variable>
#include <mutex>

namespace orderly::bench {

template <typename Buffers>
class TwoInFlight {
 public:
  // Each slot's buffers, made by `init` (e.g. sized for one batch).
  template <typename Init>
  explicit TwoInFlight(Init init) {
    for (auto& slot : slots_)
      init(slot.buffers);
  }

  // The next slot's buffers, once its previous batch is done; marked busy.
  Buffers& next() {
    Slot& slot = slots_[next_];
    next_ ^= 1;
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !slot.busy; });
    slot.busy = true;
    return slot.buffers;
  }

  // From the store's completion callback: runs `then` and frees `buffers`,
  // under the same lock.
  template <typename Then>
  void done(Buffers& buffers, Then then) {
    std::lock_guard lock(mu_);
    then();
    (&buffers == &slots_[0].buffers ? slots_[0] : slots_[1]).busy = false;
    cv_.notify_all();
  }
  void done(Buffers& buffers) {
    done(buffers, [] {});
  }

  // Waits until both batches are done.
  void wait_all() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !slots_[0].busy && !slots_[1].busy; });
  }

 private:
  struct Slot {
    Buffers buffers;
    bool busy = false;
  };
  Slot slots_[2];
  size_t next_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace orderly::bench
