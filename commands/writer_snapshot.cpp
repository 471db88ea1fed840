#include "commands/writer_snapshot.h"

#include "commands/shop_state_snapshot.h"
#include "core/binary_codec.h"

namespace orderly::commands {

uint64_t load_writer_snapshot(eventstore::SnapshotStore& snapshots, uint64_t log_last,
                              ShopState& state, IdempotencyTable& keys, std::string* note) {
  auto stored = snapshots.load(kWriterSnapshot);
  if (!stored || !*stored || (*stored)->position > log_last || (*stored)->position == 0) {
    // None, unreadable, or ahead of a log that lost its unsynced tail: the
    // log is the truth, fold all of it. One ahead is dropped, or it would
    // look valid again once new events pass its position.
    if (stored && *stored)
      (void)snapshots.drop(kWriterSnapshot);
    if (!stored || (*stored && (*stored)->position > 0))
      *note = stored ? "the writer snapshot is ahead of the log: folded from the start"
                     : "the writer snapshot is unreadable (" + stored.status().to_string() +
                           "): folded from the start";
    return 0;
  }
  BinaryReader in((*stored)->bytes);
  state = ShopState{};
  keys.clear();
  Status st = load_state(in, state);
  if (st.is_ok()) {
    const size_t n = in.count(4 + 8 + 8 + 8 + 4 + 1 + 4);
    for (size_t i = 0; i < n && in.ok(); ++i) {
      std::string scope(in.bytes());
      IdempotentResult r;
      r.fingerprint = in.u64();
      r.first = in.u64();
      r.last = in.u64();
      r.stream = std::string(in.bytes());
      const uint8_t code = in.u8();
      std::string message(in.bytes());
      if (code != 0)
        r.refusal = Status(static_cast<ErrorCode>(code), std::move(message));
      keys[scope] = std::move(r);
    }
    st = in.finish("the writer snapshot");
  }
  if (!st.is_ok() || state.position != (*stored)->position) {
    *note = "the writer snapshot cannot be used (" +
            (st.is_ok() ? std::string("its position disagrees") : st.to_string()) +
            "): folded from the start";
    state = ShopState{};
    keys.clear();
    return 0;
  }
  return (*stored)->position;
}

Status save_writer_snapshot(eventstore::SnapshotStore& snapshots, const ShopState& state,
                            const IdempotencyTable& keys) {
  BinaryWriter out;
  save_state(state, out);
  out.count(keys.size());
  for (const auto& [scope, r] : keys) {
    out.bytes(scope);
    out.u64(r.fingerprint);
    out.u64(r.first);
    out.u64(r.last);
    out.bytes(r.stream);
    out.u8(static_cast<uint8_t>(r.refusal.code()));
    out.bytes(r.refusal.message());
  }
  const std::string bytes = out.take();
  return snapshots.save(kWriterSnapshot, bytes, state.position);
}

}  // namespace orderly::commands
