// The leader's lease (issue 25): one key in a replicated JetStream KV bucket
// whose max_age is the lease's TTL. Whoever creates the key while it is
// absent (never written, expired, or released) leads; it keeps the lease by
// compare-and-set on the revision it last wrote, about every ttl/3; an entry
// nobody renews expires on the servers and another node creates it. The
// term is the KV revision of that create, so every new term is higher than
// every earlier one.
//
// The key "leader" holds JSON:
//   {"node":"<id>","url":"<advertise url>"}             (written by the create)
//   {"node":"<id>","url":"<advertise url>","term":T}    (written by renewals)
// The create cannot name its own revision; readers take the revision then.
//
// Safety: a holder must stop acknowledging writes once valid_now() is false.
// The servers expire an entry ttl after they stored it, which is after the
// request that wrote it started; valid_now() ends ttl - ttl/3 after that
// start, so a holder that cannot renew stops before anyone else can create
// the key. The ttl/3 margin absorbs clock-rate drift, the servers' expiry
// timer and clock skew between nats-servers (all on the order of
// milliseconds; a skew above ttl/3 breaks the guarantee).
//
// Availability (nats-server 2.9, measured by the cluster tests): losing a
// server the holder is connected to costs nothing (the client reconnects
// in well under a TTL). Losing the server that leads the bucket's stream
// stalls the bucket 5 to 9 s (a Raft election), longer than the default
// 3 s TTL: the lease is then lost and taken anew, with a higher term, by
// whichever node asks first once the stream has a leader again. A thawed
// (SIGSTOPped) server can cause the same stall. Without a quorum of the
// bucket's replicas nobody can renew or acquire.
//
// Thread safety: one owner thread calls open, try_acquire, renew, holder and
// release. valid_now() and term() may be called from any thread at any time
// (e.g. by the writer before it acknowledges a batch).
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"

namespace orderly::api::replication {

struct LeaseOptions {
  std::string bucket = "ORDERLY_LEASE";
  int replicas = 3;  // 1 on a single nats-server
  std::chrono::milliseconds ttl{3000};
};

struct LeaseHolder {
  std::string node;
  std::string url;  // where followers redirect commands
  uint64_t term = 0;
  uint64_t revision = 0;  // of the entry read (the term, or a later renewal)
};

class LeaderLease {
 public:
  // Creates the bucket, or binds to it when it exists with the same TTL (a
  // bucket with another TTL is invalid_argument: the safety margin would be
  // wrong). `js` must outlive the lease. Errors: unavailable (no answer, no
  // quorum), invalid_argument.
  static Result<std::unique_ptr<LeaderLease>> open(jsCtx* js, LeaseOptions options,
                                                   std::string node_id, std::string advertise_url);
  ~LeaderLease();
  LeaderLease(const LeaderLease&) = delete;
  LeaderLease& operator=(const LeaderLease&) = delete;

  // Creates the key if absent. The new term when it did; nullopt when
  // somebody holds the lease (possibly this node's earlier process, until
  // its entry expires). unavailable when NATS did not answer. While this
  // node holds the lease it returns the current term; after failed
  // renewals it first tries to renew (same term: nobody wrote in between).
  // So a node's loop can be: renew() while it leads, try_acquire() else.
  Result<std::optional<uint64_t>> try_acquire();

  // Compare-and-set on the revision this node last wrote (or, when that
  // fails, on a later revision holding this node's term: a renewal whose
  // answer was lost). Each request waits at most ttl - ttl/3.
  // REQUIRES: the lease was acquired (else version_conflict).
  // Errors: version_conflict when the entry changed (expired, taken by
  // another node, released): the lease is lost and valid_now() is false
  // from then on; unavailable when NATS did not answer in time (no quorum,
  // reconnecting): the lease may still be ours until valid_now() says not,
  // and the next renew may succeed.
  Status renew();

  // True until ttl - ttl/3 after the start of the last successful
  // acquire or renew request; false once a renew found the lease lost.
  bool valid_now() const;

  // The term of the lease this node holds or last held; 0 before any.
  uint64_t term() const { return term_.load(std::memory_order_acquire); }

  // Who holds the lease now; nullopt when nobody does. unavailable when NATS
  // did not answer, corruption when the value is not the JSON above. Read
  // from any replica (the bucket allows direct gets): it may be a little
  // stale, which is fine for redirecting and never used to claim the lease.
  Result<std::optional<LeaseHolder>> holder();

  // Deletes the key if it is still the revision this node wrote (a clean
  // shutdown: a follower may take over at once instead of after the TTL).
  // valid_now() is false from the call on. OK when the lease was no longer
  // ours (nothing to release); unavailable when NATS did not answer.
  Status release();

  const LeaseOptions& options() const { return options_; }

 private:
  LeaderLease(jsCtx* js, kvStore* kv, LeaseOptions options, std::string node_id, std::string url);
  using Clock = std::chrono::steady_clock;
  void valid_from(Clock::time_point request_start);
  // The lease is someone else's now: valid_now() false, nothing to renew.
  void lose();
  // Publishes `payload` (or a delete marker) on the key, only if its last
  // revision is `expected`; the new revision.
  Result<uint64_t> compare_and_set(uint64_t expected, const std::string* payload);

  // Constant after construction.
  jsCtx* const js_;
  kvStore* const kv_;
  const LeaseOptions options_;
  const std::string node_id_;
  const std::string url_;
  const std::string subject_;  // $KV.<bucket>.leader

  // Owner thread only.
  uint64_t revision_ = 0;  // last revision we wrote; 0 when we do not hold it

  // Read from any thread.
  std::atomic<uint64_t> term_{0};
  std::atomic<Clock::rep> valid_until_{0};  // steady_clock ticks
};

}  // namespace orderly::api::replication
