// The command processor: the single writer.
//
// Any thread submits commands into a bounded queue. One writer thread drains
// a batch, decides each command against the in-memory ShopState (and folds
// its events in at once, so the next command sees them), appends the batch's
// events with one group commit, and answers every command once its events are
// durable. While batch N is being fsynced, the writer already decides batch
// N+1 (at most two in flight).
//
// A full queue answers `overloaded` at once. Idempotency keys are scoped per
// actor: a retry with the same key and request fingerprint (or the legacy
// one: see CommandMeta) answers the first result (once that is durable) and
// appends nothing; the same key with another fingerprint (or on another kind
// of command) is `idempotency_key_reused`.
// Only commands that recorded events hold their key: those that succeeded,
// and refusals that still record (a checkout refused with price_changed
// records the new prices: its retry is refused the same way, not placed at
// prices the customer was never shown). Other refused commands may be
// retried as is. Anonymous callers (nil actor) share one scope: the API
// must make their keys distinct (e.g. prefix a client identity).
//
// A batch is appended all or nothing. If the store fails under the writer
// (I/O), every later command is answered with that failure until the store
// can write again (a full disk with room again: tried every second, then the
// state is folded anew from the log); after a failed fsync, until restart.
//
// Thread safety: submit/execute/stats from any thread. Replies run on the
// store's sync thread (or the caller's, for immediate refusals): keep them short.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "commands/command.h"
#include "commands/shop_state.h"
#include "commands/writer_snapshot.h"
#include "core/atomic_histogram.h"
#include "core/status.h"
#include "eventstore/snapshot_store.h"
#include "eventstore/store.h"

namespace orderly::commands {

struct CommandReply {
  uint64_t first_position = 0;  // 0 when the command appended nothing
  uint64_t last_position = 0;   // its last event's position: X-Log-Position
  std::string stream;           // the stream of its first event, e.g. "order-<id>"
  // The version `stream` is at after the command (0: not known, as for a
  // duplicate): an answer read later from a read model can tell whether the
  // row already holds what later commands did to it.
  uint64_t stream_version = 0;
  bool duplicate = false;  // answered from an earlier command with the same key
};

using ReplyFn = std::function<void(Result<CommandReply>)>;

struct ProcessorOptions {
  size_t queue_capacity = 100'000;
  size_t max_batch = 4096;
  // The clock commands are stamped with when the caller left `now` at 0, and
  // that reservation expiry runs on. Tests replace it.
  std::function<TimestampUs()> clock = [] { return now_us(); };
  std::chrono::milliseconds expiry_check_interval{200};
  // Where the writer keeps its state snapshot (null: none, fold the whole
  // log at every start). Loaded at start (then only the log after it is
  // folded) and saved at stop().
  eventstore::SnapshotStore* snapshots = nullptr;
  // The shop's one currency (ISO 4217): products in another are refused,
  // orders and payments carry it (--currency).
  std::string currency = "USD";
  // What one customer may hold unpaid (order.h; all off by default here,
  // `orderly serve` sets its own: --hold-max-units, --hold-max-orders,
  // --hold-max-cents).
  HoldLimits hold_limits;
  // Card payments go to a payment provider, their outcome by webhook
  // (payment.h; `orderly serve --payment-provider-url`). Configuration.
  bool payment_provider = false;
  // A follower's writer (issue 25): it decides nothing and refuses every
  // command with `unavailable` (commands go to the leader), while it folds
  // what the replicated log adds to the store, so that promote() finds its
  // state current (a hot standby).
  bool standby = false;
};

struct ProcessorStats {
  uint64_t commands = 0;  // decided (accepted or refused)
  uint64_t accepted = 0;
  uint64_t batches = 0;
  uint64_t events = 0;
  uint64_t expired_orders = 0;
  size_t queue_depth = 0;
  uint64_t rebuilt_events = 0;       // folded at start (after the snapshot, if one was used)
  double rebuild_seconds = 0;        // loading the snapshot and folding the rest
  double snapshot_load_seconds = 0;  // of which loading the snapshot
  uint64_t snapshot_position = 0;    // of the writer snapshot loaded or saved last (0: none)
  std::string snapshot_note;         // why a stored snapshot was not used, or failed to save
  // Why the writer refuses every command until a restart (a failed write or
  // fsync of the log, e.g. a full disk); "" while it works.
  std::string failure;
  // The slowest of each writer phase so far, in microseconds: deciding and
  // folding a batch, writing it to the store (without sync), and waiting for
  // a free batch slot (i.e. for the fsync two batches back).
  uint64_t max_decide_us = 0;
  uint64_t max_write_us = 0;
  uint64_t max_slot_wait_us = 0;
  // Refresh tokens the writer remembers (commands/user.h bounds them per
  // session): flat while one session refreshes, however often.
  uint64_t refresh_tokens = 0;
};

class CommandProcessor {
 public:
  // Rebuilds the writer state (from its snapshot and the log after it, or
  // from the whole log), then starts the writer.
  static Result<std::unique_ptr<CommandProcessor>> start(eventstore::EventStore& store,
                                                         ProcessorOptions options = {});
  ~CommandProcessor();
  CommandProcessor(const CommandProcessor&) = delete;
  CommandProcessor& operator=(const CommandProcessor&) = delete;

  // Queues a command; `reply` runs once it is decided and durable (or
  // refused). Refusals for a full queue or a stopped processor are immediate.
  void submit(Command command, CommandMeta meta, ReplyFn reply);
  std::future<Result<CommandReply>> submit(Command command, CommandMeta meta);
  // submit and wait.
  Result<CommandReply> execute(Command command, CommandMeta meta);

  // Runs `fn` on the writer thread between batches, with the state as of the
  // last decided command, and waits for it; false (fn not run) once stopping.
  // For tests and admin tooling. Never call it from a reply callback: those
  // run on the store's sync thread, which the writer may be waiting for.
  bool inspect(const std::function<void(const ShopState&)>& fn);

  ProcessorStats stats() const;
  // Each decided command's time from submit() to its reply (queue, decide,
  // write and fsync), for /metrics.
  const AtomicHistogram& command_histogram() const;

  // A standby writer becomes the writer: it folds the rest of the log (every
  // event the store holds when it is called) and then decides commands.
  // Returns once it does. OK at once for a writer that is not a standby.
  Status promote();
  bool standby() const;

  // Stops taking commands, answers everything queued, waits for durability.
  void stop();

  struct Impl;

 private:
  explicit CommandProcessor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// If-Match (CommandMeta::expected_version) is checked by the writer against
// its state just before the command is decided, so no other command can
// slip in between: a product's changes (UpdateProduct, DiscontinueProduct,
// SetStock, AdjustStock) and an order's status changes (ChangeOrderStatus,
// CancelOrder) take it; other commands given one are refused as invalid.
// An aggregate that does not exist is left to the command (not_found).
//
// The refusal is version_conflict naming the current version, which
// current_version_of() reads back (the API's problem member).
Status stale_version(std::string_view stream, uint32_t expected, uint32_t current);
std::optional<uint32_t> current_version_of(const Status& status);

// Rebuilds a ShopState by folding the log from position 1 (what start() does).
Result<ShopState> rebuild_state(const eventstore::EventStore& store,
                                uint64_t* events_folded = nullptr);

}  // namespace orderly::commands
