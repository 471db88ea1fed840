// The leader's lease against one real `nats-server -js` (a bucket with one
// replica): who gets it, how it is kept, lost, taken over and released.
#include "api/replication/leader_lease.h"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "tests/api/replication/lease_fixture.h"
#include "tests/support/services.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

using orderly::ErrorCode;
using orderly::api::replication::LeaseOptions;
using orderly::testing::connect_in_order;
using orderly::testing::NatsServer;
using orderly::testing::open_lease;
using orderly::testing::poll_until;
using orderly::testing::TempDir;
using namespace std::chrono_literals;

namespace {

// Short enough to expire within a test, long enough for a busy 2-core box.
LeaseOptions single_server_options() {
  LeaseOptions o;
  o.replicas = 1;
  o.ttl = 2000ms;
  return o;
}

struct TwoNodes {
  TempDir dir;
  NatsServer server{dir.sub("nats")};
  std::unique_ptr<orderly::api::nats::JetStreamLink> link_a = connect_in_order({server.url()});
  std::unique_ptr<orderly::api::nats::JetStreamLink> link_b = connect_in_order({server.url()});
  std::unique_ptr<orderly::api::replication::LeaderLease> a =
      open_lease(*link_a, single_server_options(), "node-a");
  std::unique_ptr<orderly::api::replication::LeaderLease> b =
      open_lease(*link_b, single_server_options(), "node-b");
};

}  // namespace

TEST_CASE("lease: one node acquires it, another cannot and sees who holds it") {
  TwoNodes n;
  CHECK_FALSE(n.a->valid_now());
  auto none = n.a->holder();
  REQUIRE(none.is_ok());
  CHECK_FALSE(none->has_value());

  auto term = n.a->try_acquire();
  REQUIRE(term.is_ok());
  REQUIRE(term->has_value());
  CHECK(**term > 0);
  CHECK(n.a->term() == **term);
  CHECK(n.a->valid_now());
  // Asking again while holding it is not an error.
  auto again = n.a->try_acquire();
  REQUIRE(again.is_ok());
  CHECK(*again == *term);

  auto refused = n.b->try_acquire();
  REQUIRE(refused.is_ok());
  CHECK_FALSE(refused->has_value());
  CHECK_FALSE(n.b->valid_now());
  CHECK(n.b->term() == 0);
  CHECK(n.b->renew().code() == ErrorCode::kVersionConflict);  // never held

  auto h = n.b->holder();
  REQUIRE(h.is_ok());
  REQUIRE(h->has_value());
  CHECK((*h)->node == "node-a");
  CHECK((*h)->url == "http://node-a.example:8080");
  CHECK((*h)->term == **term);
}

TEST_CASE("lease: renewals keep it well past its ttl, under the same term") {
  TwoNodes n;
  auto term = n.a->try_acquire();
  REQUIRE(term.is_ok());
  REQUIRE(term->has_value());
  const auto ttl = n.a->options().ttl;
  const auto until = std::chrono::steady_clock::now() + 3 * ttl;
  while (std::chrono::steady_clock::now() < until) {
    // A renewal every ttl/4: the pace a leader keeps, not a wait.
    std::this_thread::sleep_for(ttl / 4);
    REQUIRE(n.a->renew().is_ok());
    CHECK(n.a->valid_now());
    auto refused = n.b->try_acquire();
    REQUIRE(refused.is_ok());
    CHECK_FALSE(refused->has_value());
  }
  CHECK(n.a->term() == **term);
  auto h = n.b->holder();
  REQUIRE(h.is_ok());
  REQUIRE(h->has_value());
  CHECK((*h)->node == "node-a");
  CHECK((*h)->term == **term);
  CHECK((*h)->revision > **term);  // the renewals wrote after the create
}

TEST_CASE("lease: unrenewed it expires, the holder stops first and another takes a higher term") {
  TwoNodes n;
  auto first = n.a->try_acquire();
  REQUIRE(first.is_ok());
  REQUIRE(first->has_value());
  // While a still believes it leads, nobody else can have the lease.
  while (n.a->valid_now()) {
    auto refused = n.b->try_acquire();
    REQUIRE(refused.is_ok());
    if (n.a->valid_now())  // asked before a's validity ended
      CHECK_FALSE(refused->has_value());
    std::this_thread::sleep_for(50ms);
  }
  std::optional<uint64_t> second;
  REQUIRE(poll_until(
      [&] {
        auto t = n.b->try_acquire();
        if (t.is_ok() && t->has_value())
          second = **t;
        return second.has_value();
      },
      30s, 50ms));
  CHECK(*second > **first);
  CHECK(n.b->valid_now());

  const auto lost = n.a->renew();
  CHECK(lost.code() == ErrorCode::kVersionConflict);
  CHECK_FALSE(n.a->valid_now());
  auto h = n.a->holder();
  REQUIRE(h.is_ok());
  REQUIRE(h->has_value());
  CHECK((*h)->node == "node-b");
  CHECK((*h)->term == *second);
  // a's old revision does not let it take the lease back.
  auto refused = n.a->try_acquire();
  REQUIRE(refused.is_ok());
  CHECK_FALSE(refused->has_value());
}

TEST_CASE("lease: released, another node takes it at once") {
  TwoNodes n;
  auto first = n.a->try_acquire();
  REQUIRE(first.is_ok());
  REQUIRE(first->has_value());
  REQUIRE(n.a->renew().is_ok());
  REQUIRE(n.a->release().is_ok());
  CHECK_FALSE(n.a->valid_now());
  auto none = n.b->holder();
  REQUIRE(none.is_ok());
  CHECK_FALSE(none->has_value());

  auto second = n.b->try_acquire();  // no wait for the ttl
  REQUIRE(second.is_ok());
  REQUIRE(second->has_value());
  CHECK(**second > **first);
  // A second release by a, or one after losing it, deletes nothing.
  CHECK(n.a->release().is_ok());
  auto h = n.a->holder();
  REQUIRE(h.is_ok());
  REQUIRE(h->has_value());
  CHECK((*h)->node == "node-b");
  // b's release only deletes what b wrote.
  REQUIRE(n.b->release().is_ok());
  auto third = n.a->try_acquire();
  REQUIRE(third.is_ok());
  REQUIRE(third->has_value());
  CHECK(**third > **second);
}

TEST_CASE("lease: a bucket made with another ttl is refused, not used with a wrong margin") {
  TwoNodes n;
  LeaseOptions other = single_server_options();
  other.ttl = 5000ms;
  auto lease = orderly::api::replication::LeaderLease::open(n.link_a->js, other, "node-c", "");
  REQUIRE_FALSE(lease.is_ok());
  CHECK(lease.status().code() == ErrorCode::kInvalidArgument);
}

namespace {

// Writes `value` on the lease key as a renewal would, only if its last
// revision is `expected`; the new revision (0 on failure).
uint64_t write_lease_entry(jsCtx* js, const std::string& value, uint64_t expected) {
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.ExpectLastSubjectSeq = expected;
  jsPubAck* ack = nullptr;
  if (js_Publish(&ack, js, "$KV.ORDERLY_LEASE.leader", value.data(), static_cast<int>(value.size()),
                 &po, nullptr) != NATS_OK)
    return 0;
  const uint64_t rev = ack->Sequence;
  jsPubAck_Destroy(ack);
  return rev;
}

}  // namespace

TEST_CASE("lease: a renewal stored but never answered does not cost the lease") {
  TwoNodes n;
  auto term = n.a->try_acquire();
  REQUIRE(term.is_ok());
  REQUIRE(term->has_value());
  REQUIRE(n.a->renew().is_ok());
  auto h = n.a->holder();
  REQUIRE(h.is_ok());
  REQUIRE(h->has_value());
  // What a's next renewal would write, stored behind its back as if the
  // answer had been lost in a stall.
  const std::string same = R"({"node":"node-a","url":"http://node-a.example:8080","term":)" +
                           std::to_string(**term) + "}";
  REQUIRE(write_lease_entry(n.link_b->js, same, (*h)->revision) > (*h)->revision);
  CHECK(n.a->renew().is_ok());
  CHECK(n.a->valid_now());
  CHECK(n.a->term() == **term);

  // Someone else's entry (another term) is not taken for a's.
  auto now = n.a->holder();
  REQUIRE(now.is_ok());
  REQUIRE(now->has_value());
  const std::string other = R"({"node":"node-a","url":"http://node-a.example:8080","term":)" +
                            std::to_string(**term + 1000) + "}";
  REQUIRE(write_lease_entry(n.link_b->js, other, (*now)->revision) > (*now)->revision);
  CHECK(n.a->renew().code() == ErrorCode::kVersionConflict);
  CHECK_FALSE(n.a->valid_now());
}

TEST_CASE("lease: after failed renewals, try_acquire keeps the same term if nobody wrote") {
  TwoNodes n;
  auto term = n.a->try_acquire();
  REQUIRE(term.is_ok());
  REQUIRE(term->has_value());
  // No renewals until a's validity ends (its entry lives a third longer).
  REQUIRE(poll_until([&] { return !n.a->valid_now(); }, 10s, 20ms));
  // Its entry outlives its validity by ttl/3: a renewal, not a create,
  // gets it back under the same term. (A box so slow that the entry expired
  // first makes a take a new, higher term: also correct, and said.)
  auto again = n.a->try_acquire();
  REQUIRE(again.is_ok());
  REQUIRE(again->has_value());
  CHECK(n.a->valid_now());
  if (**again != **term) {
    MESSAGE("the entry expired before the renewal; a new term was taken");
    CHECK(**again > **term);
  }
}

TEST_CASE("lease: a value that is not the lease's JSON is corruption, not a holder") {
  TwoNodes n;
  auto term = n.a->try_acquire();
  REQUIRE(term.is_ok());
  REQUIRE(term->has_value());
  uint64_t revision = **term;
  for (const std::string bad : {"not json", R"({"node":"x"})", R"({"node":"x","url":"u","term":0})",
                                R"({"node":1,"url":"u"})"}) {
    CAPTURE(bad);
    revision = write_lease_entry(n.link_b->js, bad, revision);
    REQUIRE(revision > 0);
    auto read = n.b->holder();
    CHECK(read.status().code() == ErrorCode::kCorruption);
  }
}
