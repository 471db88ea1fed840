#include "eventstore/log_follower.h"

#include <algorithm>

#include "core/thread_name.h"
#include "eventstore/log_tail.h"

namespace orderly::eventstore {

SliceHandler each_event(std::function<Status(const EventView&)> handle) {
  return [handle = std::move(handle)](const LogSlice& slice) -> Handled {
    uint64_t through = slice.first - 1;
    for (const EventView& ev : slice.events) {
      if (Status st = handle(ev); !st.is_ok())
        return {through, st};
      through = ev.position();
    }
    return {slice.last, Status::ok()};
  };
}

LogFollower::LogFollower(const EventStore& log, std::string name, SliceHandler handler,
                         FollowerOptions options)
    : log_(log),
      name_(std::move(name)),
      handler_(std::move(handler)),
      options_(std::move(options)) {}

LogFollower::~LogFollower() {
  stop();
}

Status LogFollower::start() {
  if (thread_.joinable())
    return Status::invalid_argument("log follower " + name_ + " is already running");
  if (options_.checkpoints != nullptr) {
    auto cp = options_.checkpoints->load_checkpoint(name_);
    if (!cp)
      return cp.status();
    saved_ = *cp;
  }
  // A restart (stop, start) goes on from where it stopped.
  if (position_.load() == 0)
    position_.store(options_.start_after.value_or(saved_));
  stopping_.store(false);
  log_.tail().attach();
  thread_ = std::thread([this] {
    name_this_thread("f:" + name_);
    run();
  });
  return Status::ok();
}

void LogFollower::request_stop() {
  {
    MutexLock lock(mu_);
    stopping_.store(true);
  }
  stop_cv_.notify_all();
  log_.tail().wake();
}

void LogFollower::stop() {
  request_stop();
  if (!thread_.joinable())
    return;
  thread_.join();
  log_.tail().detach();
  if (options_.checkpoints != nullptr && position_.load() > saved_) {
    if (options_.checkpoints->save_checkpoint(name_, position_.load(), true).is_ok())
      saved_ = position_.load();
  }
}

Status LogFollower::last_error() const {
  MutexLock lock(mu_);
  return last_error_;
}

void LogFollower::run() {
  Backoff backoff(options_.backoff);
  while (!stopping_.load()) {
    uint64_t last = 0;
    Status st = next_slice(&last);
    if (!st.is_ok()) {
      fail(st, backoff);
      continue;
    }
    if (last == 0)
      continue;  // nothing new (yet)
    const uint64_t first = position_.load() + 1;
    const Handled done = handler_(LogSlice{first, last, views_});
    views_.clear();
    held_.clear();
    advance(std::min(done.through, last));
    if (!done.status.is_ok()) {
      fail(done.status, backoff);
      continue;
    }
    backoff.reset();
    MutexLock lock(mu_);
    last_error_ = Status::ok();
  }
}

Status LogFollower::next_slice(uint64_t* last) {
  const uint64_t next = position_.load() + 1;
  LogTail& tail = log_.tail();
  LogTail::Lookup found = tail.find(next, options_.idle_wait, stopping_);
  if (!found.error.is_ok())
    return found.error;  // (the shared read this follower made for all)
  if (!found.batch) {
    if (!found.behind && log_.last_position() < next)
      return Status::ok();  // idle
    // Behind the window, or not shared (the store closing): from the store,
    // up to max_chunk events; of a types filter, as far as it takes to find
    // them. (A scan's bound also bounds what RocksDB reads ahead.)
    const uint64_t to = options_.types.empty() ? next + options_.max_chunk - 1 : kEndOfLog;
    auto batch = read_log_batch(log_, next, to, options_.types, options_.max_chunk);
    own_reads_.fetch_add(1);
    if (!batch)
      return batch.status();
    views_.assign((*batch)->events.begin(), (*batch)->events.end());
    held_.push_back(std::move(*batch));
    *last = held_.back()->last;
    return Status::ok();
  }
  // From the window: as many of its batches as are read already, up to
  // max_chunk events of the types asked for.
  uint64_t at = next;
  while (found.batch) {
    const LogBatch& b = *found.batch;
    auto it = std::lower_bound(b.events.begin(), b.events.end(), at,
                               [](const EventView& ev, uint64_t p) { return ev.position() < p; });
    for (; it != b.events.end() && views_.size() < options_.max_chunk; ++it) {
      if (options_.types.empty() || std::find(options_.types.begin(), options_.types.end(),
                                              it->type()) != options_.types.end()) {
        views_.push_back(*it);
      }
      *last = it->position();
    }
    const bool whole = it == b.events.end();
    held_.push_back(std::move(found.batch));
    if (!whole)
      break;  // cut at max_chunk
    *last = b.last;
    if (views_.size() >= options_.max_chunk)
      break;
    at = b.last + 1;
    found = tail.find(at, std::chrono::milliseconds(0), stopping_);
  }
  return Status::ok();
}

void LogFollower::advance(uint64_t through) {
  if (through <= position_.load())
    return;
  position_.store(through);
  if (options_.checkpoints == nullptr || through <= saved_)
    return;  // (a follower that starts behind its checkpoint on purpose: the fan-out)
  if (Status st = options_.checkpoints->save_checkpoint(name_, through); st.is_ok()) {
    saved_ = through;
  } else {
    // Not fatal: the next save covers it; a restart repeats a little more.
    MutexLock lock(mu_);
    last_error_ = st;
    failures_.fetch_add(1);
  }
}

void LogFollower::fail(const Status& st, Backoff& backoff) {
  failures_.fetch_add(1);
  {
    MutexLock lock(mu_);
    last_error_ = st;
  }
  if (options_.on_error)
    options_.on_error(st);
  const auto until = std::chrono::steady_clock::now() + backoff.next();
  MutexLock lock(mu_);
  while (!stopping_.load() && lock.wait_until(stop_cv_, until)) {
  }
}

}  // namespace orderly::eventstore
