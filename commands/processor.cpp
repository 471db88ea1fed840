#include "commands/processor.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "commands/decide.h"
#include "commands/idempotency_keys.h"
#include "commands/writer_snapshot.h"
#include "core/atomic_histogram.h"
#include "core/mutex.h"
#include "core/thread_name.h"

namespace orderly::commands {

namespace {

using eventstore::AppendRequest;
using eventstore::AppendResults;
using eventstore::ExpectedVersion;
using eventstore::NewEvent;
using eventstore::StreamWrite;

constexpr size_t kMaxExpiriesPerBatch = 1024;

struct QueueItem {
  Command command;
  CommandMeta meta;
  ReplyFn reply;  // empty for the engine's own commands
  const std::function<void(const ShopState&)>* inspect = nullptr;  // or a state inspection
  std::promise<void>* inspected = nullptr;
  std::chrono::steady_clock::time_point queued{};  // when submit() took it
};

// One command's place in a batch.
struct Entry {
  ReplyFn reply;
  Status status;
  size_t ev_begin = 0, ev_end = 0;    // its events in the slot's sink
  size_t run_begin = 0, run_end = 0;  // its stream writes
  int request = -1;                   // its AppendRequest, when it has events
  bool duplicate = false;
  int dup_of = -1;           // the original, when it is in this batch
  IdempotentResult earlier;  // the original, when it is in an earlier batch
  std::string scope;         // "<actor>:<key>" when accepted with a key
  uint64_t fingerprint = 0;
  std::string correlation_id;  // CommandMeta::correlation_id, stamped on its events
  std::chrono::steady_clock::time_point queued{};
};

struct Run {
  size_t first_event;
  uint32_t expected_version;
};

// A batch being decided or waiting for durability. Two of them alternate.
struct Slot {
  EventSink sink;
  std::vector<Entry> entries;
  std::vector<Run> runs;
  std::vector<NewEvent> new_events;
  std::vector<StreamWrite> writes;
  std::vector<AppendRequest> requests;
  std::vector<std::string> command_ids;
  BatchKeys keys;  // keys first used in this batch
};

// The version of the entry's first stream after its append: the highest
// the store reports for the entry's writes to that stream.
uint64_t version_after(const Slot& slot, const Entry& e, const eventstore::AppendResult& r) {
  const std::string_view first = slot.sink.event(e.ev_begin).stream;
  uint64_t version = 0;
  for (size_t k = 0; k < r.stream_versions.size() && e.run_begin + k < e.run_end; ++k) {
    if (slot.writes[e.run_begin + k].stream == first)
      version = std::max(version, r.stream_versions[k]);
  }
  return version;
}

// The one existing aggregate a command changes, for If-Match; nullopt for
// commands that take none (they create, or touch several aggregates).
std::optional<std::pair<Aggregate, Uuid>> if_match_target(const Command& c) {
  return std::visit(
      [](const auto& cmd) -> std::optional<std::pair<Aggregate, Uuid>> {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, UpdateProduct> || std::is_same_v<T, DiscontinueProduct> ||
                      std::is_same_v<T, SetStock> || std::is_same_v<T, AdjustStock> ||
                      std::is_same_v<T, ChangeProductImage> ||
                      std::is_same_v<T, RemoveProductImage>) {
          return std::pair{Aggregate::kProduct, cmd.product_id};
        } else if constexpr (std::is_same_v<T, ChangeOrderStatus> ||
                             std::is_same_v<T, CancelOrder>) {
          return std::pair{Aggregate::kOrder, cmd.order_id};
        } else {
          return std::nullopt;
        }
      },
      c);
}

// OK when the command may be decided as to its If-Match (see processor.h).
Status check_expected_version(const ShopState& state, const Command& c, uint32_t expected) {
  const auto target = if_match_target(c);
  if (!target)
    return Status::invalid_field("If-Match", "this request takes no If-Match");
  const uint32_t current = version_of(state, target->first, target->second);
  if (current == 0 || current == expected)
    return Status::ok();  // no such aggregate: the command says not_found
  return stale_version(stream_name(target->first, target->second), expected, current);
}

}  // namespace

struct CommandProcessor::Impl {
  eventstore::EventStore& store;
  ProcessorOptions options;

  // --- writer thread only ---
  ShopState state;
  Status failed;  // set once the store failed under us: every command gets it
  void fail(Status st) EXCLUDES(queue_mu) {
    MutexLock lock(queue_mu);  // stats() reads the text
    failure = st.to_string();
    failed = std::move(st);
  }
  std::chrono::steady_clock::time_point next_recovery_try;
  // At most once a second while failed: the store made writable again (a
  // full disk has room again), then the state folded anew from the log,
  // which holds neither the failed batch whose events were folded in, nor
  // lacks batches written before it (their callers heard an ambiguous
  // io_error). A failed fsync never recovers in-process (see the store).
  void try_to_recover() EXCLUDES(queue_mu, slot_mu);
  IdempotencyTable idempotency;
  bool rebuild_needed = false;
  // The last log position folded into `state` (rebuild, fold_rest, and the
  // writer's own batches once it decides).
  uint64_t folded_position = 0;
  // Folds what the store holds beyond folded_position (a standby's state
  // following the replicated log).
  Status fold_rest();
  // A standby refuses commands and folds the log (processor.h); promote()
  // clears it through the writer thread.
  std::atomic<bool> standby{false};
  std::promise<Status>* promotion GUARDED_BY(queue_mu) = nullptr;

  // --- queue, protected by queue_mu ---
  Mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<QueueItem> queue GUARDED_BY(queue_mu);
  bool stopping GUARDED_BY(queue_mu) = false;

  // --- batch slots; which are busy is protected by slot_mu ---
  Mutex slot_mu;
  std::condition_variable slot_cv;
  Slot slots[2];
  bool slot_busy[2] GUARDED_BY(slot_mu) = {false, false};

  std::thread writer;
  std::atomic<uint64_t> stat_commands{0}, stat_accepted{0}, stat_batches{0}, stat_events{0},
      stat_expired{0};
  bool expiries_left = false;  // the last batch stopped at kMaxExpiriesPerBatch
  std::atomic<uint64_t> max_decide_us{0}, max_write_us{0}, max_slot_wait_us{0};
  // From submit() to the reply, for every command the writer decided.
  AtomicHistogram command_seconds;
  std::atomic<uint64_t> refresh_tokens{0};  // state.refresh_tokens, for stats()

  static void note_max(std::atomic<uint64_t>& max, std::chrono::steady_clock::time_point since) {
    const auto us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - since)
                                              .count());
    if (us > max.load(std::memory_order_relaxed))
      max.store(us, std::memory_order_relaxed);
  }
  std::atomic<uint64_t> rebuilt_events{0};
  std::atomic<double> rebuild_seconds{0};
  std::atomic<double> snapshot_load_seconds{0};
  // Written by the writer, read by stats().
  uint64_t snapshot_position GUARDED_BY(queue_mu) = 0;  // of the snapshot loaded or saved last
  std::string snapshot_note GUARDED_BY(queue_mu);  // why a stored one was not used ("" when it was)
  std::string failure GUARDED_BY(queue_mu);        // `failed`, as text ("" while the writer works)

  Impl(eventstore::EventStore& s, ProcessorOptions o) : store(s), options(std::move(o)) {}

  Status rebuild() EXCLUDES(queue_mu);
  // The writer snapshot's state and idempotency keys, when one is stored and
  // usable; returns its position (0: none, fold from the start).
  uint64_t load_snapshot(std::string* note);
  Status save_snapshot() EXCLUDES(queue_mu);  // after the writer thread has stopped
  void run() EXCLUDES(queue_mu, slot_mu);
  // Decides a batch and hands it to the store, in these steps:
  void process(std::vector<QueueItem>& items, Slot& slot);
  // Adds the engine's own commands: expiries of reservations due by `now`.
  void queue_due_expiries(std::vector<QueueItem>& items, TimestampUs now);
  // Decides one command into the slot (its entry; its events folded into the
  // state). A retry whose first answer is in an earlier batch raises
  // *also_wait_for to that answer's last position.
  void decide_one(QueueItem& item, Slot& slot, TimestampUs now, uint64_t* also_wait_for);
  // The store's requests: one per entry that recorded events.
  static void build_append_requests(Slot& slot, TimestampUs now);
  void answer_refusals_now(Slot& slot);
  // Writes the batch (durable later: complete() answers) and notes its keys
  // and position, or the failure.
  void write(Slot& slot, uint64_t also_wait_for);
  void complete(Slot& slot, AppendResults results) EXCLUDES(slot_mu);
  Slot& acquire_slot() EXCLUDES(slot_mu);
  void wait_idle() EXCLUDES(slot_mu);
};

namespace {
// Sizing the big maps up front saves rehashing them again and again while
// folding: most events of a shop are orders and payments.
void presize(ShopState& s, uint64_t log_events) {
  s.orders.reserve(log_events / 3);
  s.payments.reserve(log_events / 8);
}
}  // namespace

Result<ShopState> rebuild_state(const eventstore::EventStore& store, uint64_t* events_folded) {
  ShopState state;
  presize(state, store.last_position());
  uint64_t n = 0;
  Status st = store.scan({}, [&](const EventView& ev) {
    apply_logged(state, ev);
    ++n;
    return true;
  });
  if (!st.is_ok())
    return st;
  if (events_folded)
    *events_folded = n;
  return state;
}

Status CommandProcessor::Impl::rebuild() {
  const auto t0 = std::chrono::steady_clock::now();
  std::string note;
  const uint64_t from = load_snapshot(&note);
  snapshot_load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (from == 0) {
    state = ShopState{};
    presize(state, store.last_position());
    idempotency.clear();
  }
  state.currency = options.currency;  // configuration: neither folded nor snapshotted
  state.hold_limits = options.hold_limits;
  state.payment_provider = options.payment_provider;
  uint64_t n = 0;
  eventstore::LogQuery q;
  q.from_position = from + 1;
  folded_position = from;
  Status st = store.scan(q, [&](const EventView& ev) {
    apply_logged(state, ev);
    remember_logged_command(idempotency, ev);
    folded_position = ev.position();
    ++n;
    return true;
  });
  {
    MutexLock lock(queue_mu);  // stats() reads these
    snapshot_position = from;
    snapshot_note = std::move(note);
  }
  rebuilt_events = n;
  refresh_tokens = state.refresh_tokens;
  rebuild_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rebuild_needed = false;
  return st;
}

Status CommandProcessor::Impl::fold_rest() {
  if (store.last_position() <= folded_position)
    return Status::ok();
  eventstore::LogQuery q;
  q.from_position = folded_position + 1;
  return store.scan(q, [&](const EventView& ev) {
    apply_logged(state, ev);
    remember_logged_command(idempotency, ev);
    folded_position = ev.position();
    return true;
  });
}

void CommandProcessor::Impl::try_to_recover() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_recovery_try)
    return;
  next_recovery_try = now + std::chrono::seconds(1);
  wait_idle();  // the failed batch's callback has run
  Status st = store.resume_writes();
  if (st.is_ok())
    st = rebuild();
  if (!st.is_ok()) {
    // Still failed. Commands get the newest reason, unless RocksDB is just
    // busy resuming by itself (the disk-full answer stays meanwhile).
    if (st.code() != ErrorCode::kBusy)
      fail(st);
    return;
  }
  MutexLock lock(queue_mu);
  failure.clear();
  failed = Status::ok();
}

uint64_t CommandProcessor::Impl::load_snapshot(std::string* note) {
  if (options.snapshots == nullptr)
    return 0;
  return load_writer_snapshot(*options.snapshots, store.last_position(), state, idempotency, note);
}

Status CommandProcessor::Impl::save_snapshot() {
  // Only a state that is exactly the log's: not after a failed write (its
  // events were folded in but are not in the log).
  if (options.snapshots == nullptr || !failed.is_ok() || rebuild_needed)
    return Status::ok();
  if (standby.load()) {
    // A follower's state: as far as it has folded the log (which the
    // replicated log may have lengthened since).
    ORDERLY_RETURN_IF_ERROR(fold_rest());
  }
  // The writer is the log's only appender and has stopped: its state holds
  // every event up to the log's end (some, like analytics, change nothing).
  state.position = std::max(state.position, store.last_position());
  {
    MutexLock lock(queue_mu);
    if (state.position == snapshot_position)
      return Status::ok();
  }
  ORDERLY_RETURN_IF_ERROR(save_writer_snapshot(*options.snapshots, state, idempotency));
  MutexLock lock(queue_mu);
  snapshot_position = state.position;
  return Status::ok();
}

Slot& CommandProcessor::Impl::acquire_slot() {
  MutexLock lock(slot_mu);
  while (true) {
    for (size_t i = 0; i < std::size(slots); ++i) {
      if (!slot_busy[i]) {
        slot_busy[i] = true;
        return slots[i];
      }
    }
    lock.wait(slot_cv);
  }
}

void CommandProcessor::Impl::wait_idle() {
  MutexLock lock(slot_mu);
  while (slot_busy[0] || slot_busy[1])
    lock.wait(slot_cv);
}

void CommandProcessor::Impl::run() {
  std::vector<QueueItem> items;
  while (true) {
    {
      MutexLock lock(queue_mu);
      if (!expiries_left) {  // else more reservations are due now: no wait
        const auto deadline = std::chrono::steady_clock::now() + options.expiry_check_interval;
        while (!stopping && queue.empty() && promotion == nullptr &&
               lock.wait_until(queue_cv, deadline)) {
        }
      }
      const size_t n = std::min(queue.size(), options.max_batch);
      items.clear();
      std::move(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n),
                std::back_inserter(items));
      queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));
      if (stopping && items.empty()) {
        if (promotion != nullptr) {
          promotion->set_value(Status::shutting_down("the engine is shutting down"));
          promotion = nullptr;
        }
        break;
      }
    }
    if (standby.load()) {
      // A follower's writer: the leader decides. Its state follows the log
      // the replicated log fills, until promote().
      Status folded = fold_rest();
      std::promise<Status>* promoted = nullptr;
      {
        MutexLock lock(queue_mu);
        std::swap(promoted, promotion);
      }
      if (promoted != nullptr) {
        if (folded.is_ok()) {
          // The writer's batches continue the log from here.
          state.position = std::max(state.position, folded_position);
          standby.store(false);
        }
        promoted->set_value(folded);
      }
      for (auto& item : items) {
        if (item.reply) {
          item.reply(
              Status::unavailable("this node is a follower: commands are decided by the leader"));
        }
        if (item.inspected) {
          (*item.inspect)(state);
          item.inspected->set_value();
        }
      }
      continue;
    }
    if (rebuild_needed) {
      // A write failed after its events were folded in: the state is ahead
      // of the log. Let the in-flight batch settle, then fold the log again.
      wait_idle();
      Status st = rebuild();
      if (!st.is_ok())
        fail(Status::io_error("the writer cannot rebuild its state: " + st.to_string()));
    }
    if (!failed.is_ok())
      try_to_recover();
    if (!failed.is_ok()) {
      // The store failed under the writer (a full disk, a failed fsync): it
      // answers every command with that, rather than decide on a state it
      // cannot make durable, until try_to_recover() succeeds.
      for (auto& item : items) {
        if (item.reply)
          item.reply(failed);
        if (item.inspected)
          item.inspected->set_value();
      }
      continue;
    }
    const TimestampUs now = options.clock();
    const bool expiry_due = !state.expiries.empty() && state.expiries.top().first <= now;
    if (items.empty() && !expiry_due)
      continue;
    const auto wait_start = std::chrono::steady_clock::now();
    Slot& slot = acquire_slot();
    note_max(max_slot_wait_us, wait_start);
    process(items, slot);
  }
  wait_idle();
}

void CommandProcessor::Impl::process(std::vector<QueueItem>& items, Slot& slot) {
  const auto decide_start = std::chrono::steady_clock::now();
  slot.sink.clear();
  slot.entries.clear();
  slot.runs.clear();
  slot.keys.clear();
  const TimestampUs now = options.clock();
  queue_due_expiries(items, now);
  uint64_t also_wait_for = 0;
  for (QueueItem& item : items) {
    if (item.inspect) {
      (*item.inspect)(state);
      item.inspected->set_value();
      continue;
    }
    decide_one(item, slot, now, &also_wait_for);
  }
  build_append_requests(slot, now);
  answer_refusals_now(slot);
  stat_batches.fetch_add(1, std::memory_order_relaxed);
  stat_events.fetch_add(slot.sink.size(), std::memory_order_relaxed);
  refresh_tokens.store(state.refresh_tokens, std::memory_order_relaxed);
  note_max(max_decide_us, decide_start);
  write(slot, also_wait_for);
}

void CommandProcessor::Impl::queue_due_expiries(std::vector<QueueItem>& items, TimestampUs now) {
  // The engine's own commands: reservations past their time-to-live.
  CommandMeta engine;
  engine.role = Role::kEngine;
  engine.now = now;
  // At most kMaxExpiriesPerBatch per batch: after a long stop millions may be
  // due, and one giant batch would hold every client's command behind them.
  size_t expired = 0;
  for (; expired < kMaxExpiriesPerBatch; ++expired) {
    auto id = next_expired_order(state, now);
    if (!id)
      break;
    items.push_back({ExpireOrder{*id}, engine, {}});
  }
  stat_expired.fetch_add(expired, std::memory_order_relaxed);
  expiries_left = expired == kMaxExpiriesPerBatch;
}

void CommandProcessor::Impl::decide_one(QueueItem& item, Slot& slot, TimestampUs now,
                                        uint64_t* also_wait_for) {
  Entry e;
  e.reply = std::move(item.reply);
  e.queued = item.queued;
  CommandMeta& meta = item.meta;
  e.correlation_id = std::move(meta.correlation_id);
  if (meta.now == 0)
    meta.now = now;
  stat_commands.fetch_add(1, std::memory_order_relaxed);
  auto answer_undecided = [&] {
    e.ev_begin = e.ev_end = slot.sink.size();
    slot.entries.push_back(std::move(e));
  };

  std::string scope;
  if (!meta.idempotency_key.empty()) {
    KeyCheck key = check_idempotency_key(item.command, meta, slot.keys, idempotency);
    e.status = std::move(key.status);
    if (key.seen == KeyCheck::Seen::kInThisBatch) {
      e.duplicate = true;
      e.dup_of = static_cast<int>(key.batch_entry);
    } else if (key.seen == KeyCheck::Seen::kInEarlierBatch) {
      e.duplicate = true;
      *also_wait_for = std::max(*also_wait_for, key.earlier.last);
      e.earlier = std::move(key.earlier);
    }
    if (e.duplicate || !e.status.is_ok())
      return answer_undecided();
    scope = std::move(key.scope);
  }

  if (meta.expected_version) {
    // Against the state every earlier command (of this batch too) left.
    e.status = check_expected_version(state, item.command, *meta.expected_version);
    if (!e.status.is_ok())
      return answer_undecided();
  }

  const size_t before = slot.sink.size();
  e.status = decide(state, item.command, meta, slot.sink);
  if (!e.status.is_ok() && !keeps_events_when_refused(item.command, e.status))
    slot.sink.truncate(before);
  e.ev_begin = before;
  e.ev_end = slot.sink.size();
  // Fold the events in now, so later commands of this batch see them, and
  // note each stream run's version for the store's concurrency check.
  e.run_begin = slot.runs.size();
  for (size_t k = before; k < e.ev_end; ++k) {
    const EventSink::Event& ev = slot.sink.event(k);
    if (k == before || ev.stream != slot.sink.event(k - 1).stream) {
      slot.runs.push_back({k, version_of(state, ev.aggregate, ev.id)});
    }
    apply(state, ev.aggregate, ev.id, ev.type, slot.sink.payload(k).data());
  }
  e.run_end = slot.runs.size();
  if (e.status.is_ok())
    stat_accepted.fetch_add(1, std::memory_order_relaxed);
  // A command that recorded events holds its key: accepted, or refused
  // with events kept (a retry is then refused the same way).
  if (e.ev_end > e.ev_begin && !scope.empty()) {
    e.scope = std::move(scope);
    e.fingerprint = meta.request_fingerprint;
    slot.keys[e.scope] = BatchKey{slot.entries.size(), e.fingerprint};
  }
  slot.entries.push_back(std::move(e));
}

void CommandProcessor::Impl::build_append_requests(Slot& slot, TimestampUs now) {
  // Views into the sink are taken only now: it no longer grows.
  const size_t n_events = slot.sink.size();
  slot.new_events.resize(n_events);
  for (size_t k = 0; k < n_events; ++k) {
    NewEvent& ne = slot.new_events[k];
    ne.type = slot.sink.event(k).type;
    ne.payload = slot.sink.payload(k);
    ne.correlation_id = {};
  }
  slot.writes.resize(slot.runs.size());
  slot.requests.clear();
  slot.command_ids.clear();
  slot.command_ids.reserve(slot.entries.size());
  const std::span<const NewEvent> all_events(slot.new_events);
  for (Entry& e : slot.entries) {
    if (e.ev_end == e.ev_begin)
      continue;
    for (size_t k = e.ev_begin; k < e.ev_end; ++k)
      slot.new_events[k].correlation_id = e.correlation_id;
    for (size_t r = e.run_begin; r < e.run_end; ++r) {
      const size_t first = slot.runs[r].first_event;
      const size_t last = r + 1 < e.run_end ? slot.runs[r + 1].first_event : e.ev_end;
      slot.writes[r] = StreamWrite{slot.sink.event(first).stream,
                                   ExpectedVersion::exact(slot.runs[r].expected_version),
                                   all_events.subspan(first, last - first)};
    }
    std::string_view command_id;
    if (!e.scope.empty())
      command_id = slot.command_ids.emplace_back(command_id_of(e.scope, e.fingerprint));
    e.request = static_cast<int>(slot.requests.size());
    slot.requests.push_back(AppendRequest{
        std::span<const StreamWrite>(slot.writes).subspan(e.run_begin, e.run_end - e.run_begin),
        command_id, now});
  }
}

void CommandProcessor::Impl::answer_refusals_now(Slot& slot) {
  // Refusals that recorded nothing are answered now, not after the fsync.
  for (Entry& e : slot.entries) {
    if (!e.status.is_ok() && e.request < 0 && e.reply) {
      command_seconds.observe_since(e.queued);
      e.reply(e.status);
      e.reply = nullptr;
    }
  }
}

void CommandProcessor::Impl::write(Slot& slot, uint64_t also_wait_for) {
  const auto write_start = std::chrono::steady_clock::now();
  // All or nothing: later commands of the batch were decided on top of
  // earlier ones, so a batch is never written in part.
  AppendResults written = store.submit_batch(
      slot.requests, [this, &slot](AppendResults results) { complete(slot, std::move(results)); },
      also_wait_for,
      /*all_or_nothing=*/true);
  note_max(max_write_us, write_start);
  for (const Entry& e : slot.entries) {
    if (e.request < 0)
      continue;
    const auto& w = written[static_cast<size_t>(e.request)];
    if (!w.is_ok()) {
      // Nothing of the batch is in the log, but its events are folded in.
      const ErrorCode code = w.status().code();
      if (code == ErrorCode::kVersionConflict || code == ErrorCode::kInvalidArgument) {
        rebuild_needed = true;  // a refusal by the store is a bug here: fold the log again
      } else {
        // The store could not write (a full disk, I/O, still resuming):
        // batches before this one may be written but not yet visible, so
        // only try_to_recover(), which makes them so, may fold the log.
        fail(w.status());
      }
      break;
    }
    if (!e.scope.empty()) {
      idempotency[e.scope] = {e.fingerprint, w->first_position, w->last_position,
                              slot.sink.event(e.ev_begin).stream, e.status};
    }
    state.position = std::max(state.position, w->last_position);
  }
}

void CommandProcessor::Impl::complete(Slot& slot, AppendResults results) {
  const uint64_t durable = store.last_position();
  for (size_t i = 0; i < slot.entries.size(); ++i) {
    Entry& e = slot.entries[i];
    if (!e.reply)
      continue;
    command_seconds.observe_since(e.queued);
    if (e.request >= 0) {
      const auto& r = results[static_cast<size_t>(e.request)];
      if (!r.is_ok()) {
        e.reply(r.status());
      } else if (!e.status.is_ok()) {
        e.reply(e.status);  // refused, but what it recorded is durable
      } else {
        e.reply(CommandReply{r->first_position, r->last_position,
                             slot.sink.event(e.ev_begin).stream, version_after(slot, e, *r),
                             false});
      }
    } else if (e.duplicate && e.dup_of >= 0) {
      const Entry& first = slot.entries[static_cast<size_t>(e.dup_of)];
      const auto& r = results[static_cast<size_t>(first.request)];
      if (r.is_ok() && !first.status.is_ok()) {
        e.reply(first.status);  // refused the same way
      } else if (r.is_ok()) {
        e.reply(CommandReply{r->first_position, r->last_position,
                             slot.sink.event(first.ev_begin).stream, 0, true});
      } else {
        e.reply(r.status());
      }
    } else if (e.duplicate) {
      if (durable >= e.earlier.last && !e.earlier.refusal.is_ok()) {
        e.reply(e.earlier.refusal);  // refused the same way
      } else if (durable >= e.earlier.last) {
        e.reply(CommandReply{e.earlier.first, e.earlier.last, e.earlier.stream, 0, true});
      } else {
        // Its batch failed (the disk, or a leader that lost its place in a
        // cluster): nothing was acknowledged, so the same key may be tried again.
        e.reply(Status::unavailable(
            "the first command with this key was not acknowledged: retry with the same key"));
      }
    } else {
      e.reply(CommandReply{0, durable, {}, 0, false});  // accepted, nothing to record
    }
    e.reply = nullptr;
  }
  // Notify while holding the lock: once it is released with both slots idle,
  // stop() may return and destroy this object.
  MutexLock lock(slot_mu);
  slot_busy[&slot - slots] = false;
  slot_cv.notify_all();
}

CommandProcessor::CommandProcessor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CommandProcessor::~CommandProcessor() {
  stop();
}

Result<std::unique_ptr<CommandProcessor>> CommandProcessor::start(eventstore::EventStore& store,
                                                                  ProcessorOptions options) {
  auto impl = std::make_unique<Impl>(store, std::move(options));
  impl->standby.store(impl->options.standby);
  ORDERLY_RETURN_IF_ERROR(impl->rebuild());
  Impl* raw = impl.get();
  impl->writer = std::thread([raw] {
    name_this_thread("writer");
    raw->run();
  });
  return std::unique_ptr<CommandProcessor>(new CommandProcessor(std::move(impl)));
}

void CommandProcessor::submit(Command command, CommandMeta meta, ReplyFn reply) {
  Status refused;
  ReplyFn refuse;  // the reply, handed back when the command is not queued
  const auto queued = std::chrono::steady_clock::now();  // read outside the lock
  {
    MutexLock lock(impl_->queue_mu);
    if (impl_->stopping) {
      refused = Status::shutting_down("the engine is shutting down");
      refuse = std::move(reply);
    } else if (impl_->queue.size() >= impl_->options.queue_capacity) {
      refused = Status::overloaded("the command queue is full; retry shortly");
      refuse = std::move(reply);
    } else {
      impl_->queue.emplace_back(QueueItem{std::move(command), std::move(meta), std::move(reply),
                                          nullptr, nullptr, queued});
    }
  }
  if (refuse) {
    refuse(refused);  // outside the lock: the callback may submit again
    return;
  }
  impl_->queue_cv.notify_one();
}

std::future<Result<CommandReply>> CommandProcessor::submit(Command command, CommandMeta meta) {
  auto promise = std::make_shared<std::promise<Result<CommandReply>>>();
  auto future = promise->get_future();
  submit(std::move(command), std::move(meta),
         [promise](Result<CommandReply> r) { promise->set_value(std::move(r)); });
  return future;
}

Status stale_version(std::string_view stream, uint32_t expected, uint32_t current) {
  return Status(ErrorCode::kVersionConflict,
                std::string(stream) + " is at version " + std::to_string(current) + ", not " +
                    std::to_string(expected) +
                    " (If-Match): nothing was changed; read it again and retry",
                {{"current_version", std::to_string(current)}});
}

std::optional<uint32_t> current_version_of(const Status& status) {
  if (status.code() != ErrorCode::kVersionConflict)
    return std::nullopt;
  for (const FieldError& f : status.fields()) {
    if (f.field == "current_version")
      return static_cast<uint32_t>(std::strtoul(f.message.c_str(), nullptr, 10));
  }
  return std::nullopt;
}

Result<CommandReply> CommandProcessor::execute(Command command, CommandMeta meta) {
  return submit(std::move(command), std::move(meta)).get();
}

bool CommandProcessor::inspect(const std::function<void(const ShopState&)>& fn) {
  std::promise<void> done;
  auto future = done.get_future();
  {
    MutexLock lock(impl_->queue_mu);
    if (impl_->stopping)
      return false;
    QueueItem item{ClearCart{}, {}, {}};
    item.inspect = &fn;
    item.inspected = &done;
    impl_->queue.push_back(std::move(item));
  }
  impl_->queue_cv.notify_one();
  future.wait();
  return true;
}

Status CommandProcessor::promote() {
  if (!impl_->standby.load())
    return Status::ok();
  std::promise<Status> promoted;
  auto answer = promoted.get_future();
  {
    MutexLock lock(impl_->queue_mu);
    if (impl_->stopping)
      return Status::shutting_down("the engine is shutting down");
    impl_->promotion = &promoted;
  }
  impl_->queue_cv.notify_one();
  return answer.get();
}

bool CommandProcessor::standby() const {
  return impl_->standby.load();
}

const AtomicHistogram& CommandProcessor::command_histogram() const {
  return impl_->command_seconds;
}

ProcessorStats CommandProcessor::stats() const {
  ProcessorStats s;
  s.commands = impl_->stat_commands.load();
  s.accepted = impl_->stat_accepted.load();
  s.batches = impl_->stat_batches.load();
  s.events = impl_->stat_events.load();
  s.expired_orders = impl_->stat_expired.load();
  {
    MutexLock lock(impl_->queue_mu);
    s.queue_depth = impl_->queue.size();
  }
  s.max_decide_us = impl_->max_decide_us.load();
  s.max_write_us = impl_->max_write_us.load();
  s.max_slot_wait_us = impl_->max_slot_wait_us.load();
  s.refresh_tokens = impl_->refresh_tokens.load();
  s.rebuilt_events = impl_->rebuilt_events.load();
  s.rebuild_seconds = impl_->rebuild_seconds.load();
  s.snapshot_load_seconds = impl_->snapshot_load_seconds.load();
  {
    MutexLock lock(impl_->queue_mu);
    s.snapshot_position = impl_->snapshot_position;
    s.snapshot_note = impl_->snapshot_note;
    s.failure = impl_->failure;
  }
  return s;
}

void CommandProcessor::stop() {
  if (!impl_)
    return;
  {
    MutexLock lock(impl_->queue_mu);
    impl_->stopping = true;
  }
  impl_->queue_cv.notify_one();
  if (!impl_->writer.joinable())
    return;
  impl_->writer.join();
  // Saved once stopped, so the next start folds only what comes after.
  if (Status st = impl_->save_snapshot(); !st.is_ok()) {
    MutexLock lock(impl_->queue_mu);
    impl_->snapshot_note = "saving the writer snapshot failed: " + st.to_string();
  }
}

}  // namespace orderly::commands
