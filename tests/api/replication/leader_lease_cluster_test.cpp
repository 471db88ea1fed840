// The leader's lease on a three-server JetStream cluster (a bucket with
// three replicas): it survives the loss of one server, stops with two, and
// works again once they are back.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "api/replication/leader_lease.h"
#include "tests/api/replication/lease_fixture.h"
#include "tests/support/nats_cluster.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

using orderly::ErrorCode;
using orderly::Status;
using orderly::api::nats::JetStreamLink;
using orderly::api::replication::LeaderLease;
using orderly::api::replication::LeaseOptions;
using orderly::testing::connect_in_order;
using orderly::testing::NatsCluster;
using orderly::testing::open_lease;
using orderly::testing::poll_until;
using orderly::testing::split_urls;
using orderly::testing::stream_leader;
using orderly::testing::TempDir;
using namespace std::chrono_literals;

namespace {

// Cluster formation and elections on a busy 2-core machine take seconds.
constexpr auto kFormed = 120s;

// The default lease: three replicas, 3 s.
LeaseOptions cluster_options() {
  return LeaseOptions{};
}

// A cluster with the lease bucket made, and which server leads its stream.
struct ClusterWithBucket {
  TempDir dir;
  NatsCluster cluster{dir.path()};
  std::unique_ptr<JetStreamLink> admin;
  std::unique_ptr<LeaderLease> admin_lease;
  int bucket_leader = -1;

  ClusterWithBucket() {
    REQUIRE(cluster.wait_ready(kFormed));
    // Every server, from the comma-separated list. (Not through
    // connect_jetstream: libnats 3.4.1's natsOptions_SetURL fails to connect
    // with a list, so the list is split into natsOptions_SetServers.)
    admin = connect_in_order(split_urls(cluster.urls()));
    // The first create may race the meta leader's first moments: retry.
    REQUIRE(poll_until(
        [&] {
          auto l = LeaderLease::open(admin->js, cluster_options(), "admin", "");
          if (l.is_ok())
            admin_lease = std::move(l).value();
          return admin_lease != nullptr;
        },
        kFormed, 200ms));
    REQUIRE(poll_until(
        [&] {
          const std::string name = stream_leader(admin->js, cluster_options().bucket);
          for (int i = 0; i < NatsCluster::kSize; ++i) {
            if (cluster.name(i) == name)
              bucket_leader = i;
          }
          return bucket_leader >= 0;
        },
        kFormed, 200ms));
  }
  // A node connected to server `first`, falling back to the others.
  std::unique_ptr<JetStreamLink> connect_via(int first) const {
    std::vector<std::string> urls{cluster.url(first)};
    for (int i = 0; i < NatsCluster::kSize; ++i) {
      if (i != first)
        urls.push_back(cluster.url(i));
    }
    return connect_in_order(urls);
  }
  int not_bucket_leader() const { return (bucket_leader + 1) % NatsCluster::kSize; }
};

// Renews every ttl/3 (a leader's pace) until `done` holds after a
// successful renewal (true), the lease is lost or `timeout` passes (false).
// `ok` counts the successful renewals.
bool renew_until(LeaderLease& lease, const std::function<bool()>& done,
                 std::chrono::milliseconds timeout, int& ok) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(lease.options().ttl / 3);
    const Status s = lease.renew();
    if (!s.is_ok())
      MESSAGE("renew: " << s.to_string());
    if (s.code() == ErrorCode::kVersionConflict)
      return false;
    ok += s.is_ok();
    if (s.is_ok() && done())
      return true;
  }
  return false;
}

// Renews for `span`: true when the lease was never lost and the last
// renewal succeeded.
bool renew_for(LeaderLease& lease, std::chrono::milliseconds span, int& ok) {
  const auto until = std::chrono::steady_clock::now() + span;
  return renew_until(
      lease, [&] { return std::chrono::steady_clock::now() >= until; },
      span + 10 * lease.options().ttl, ok);
}

}  // namespace

TEST_CASE("lease on a cluster: it survives killing the server its holder talks to") {
  ClusterWithBucket c;
  // The server the holder is connected to, but not the stream's leader: its
  // loss makes the client reconnect while the stream keeps its quorum. (A
  // stream leader's loss starts an election that can outlast the TTL; then
  // the lease expires and is taken anew: the next test case.)
  const int victim = c.not_bucket_leader();
  auto link_a = c.connect_via(victim);
  auto link_b = c.connect_via(c.bucket_leader);
  auto a = open_lease(*link_a, cluster_options(), "node-a");
  auto b = open_lease(*link_b, cluster_options(), "node-b");
  auto term = a->try_acquire();
  REQUIRE(term.is_ok());
  REQUIRE(term->has_value());
  int renewed = 0;
  REQUIRE(renew_for(*a, 2s, renewed));

  c.cluster.kill(victim);
  renewed = 0;
  CHECK(renew_for(*a, 4 * a->options().ttl, renewed));
  CHECK(renewed >= 3);
  CHECK(a->valid_now());
  CHECK(a->term() == **term);
  auto refused = b->try_acquire();
  REQUIRE(refused.is_ok());
  CHECK_FALSE(refused->has_value());
  auto h = b->holder();
  REQUIRE(h.is_ok());
  REQUIRE(h->has_value());
  CHECK((*h)->node == "node-a");
  CHECK((*h)->term == **term);

  // Back on the same ports and store, it rejoins while a keeps renewing.
  c.cluster.start(victim);
  CHECK(renew_until(
      *a, [&] { return c.cluster.wait_ready(0ms); }, kFormed, renewed));
  CHECK(renew_for(*a, 2s, renewed));
  CHECK(a->term() == **term);
}

TEST_CASE("lease on a cluster: killing the stream's leader may cost the lease, never safety") {
  ClusterWithBucket c;
  auto link_a = c.connect_via(c.not_bucket_leader());
  auto link_b = c.connect_via((c.bucket_leader + 2) % NatsCluster::kSize);
  auto a = open_lease(*link_a, cluster_options(), "node-a");
  auto b = open_lease(*link_b, cluster_options(), "node-b");
  auto first = a->try_acquire();
  REQUIRE(first.is_ok());
  REQUIRE(first->has_value());

  const auto killed_at = std::chrono::steady_clock::now();
  c.cluster.kill(c.bucket_leader);
  // a renews at a leader's pace and b keeps trying, until a renewal gets
  // through (a new stream leader acknowledged it) or b takes over. The
  // moment b holds the lease, a must have stopped believing it leads.
  bool a_renewed = false;
  bool a_lost = false;
  std::optional<uint64_t> b_term;
  REQUIRE(poll_until(
      [&] {
        if (!a_lost) {
          const Status s = a->renew();
          a_lost = s.code() == ErrorCode::kVersionConflict;
          a_renewed = s.is_ok();
        }
        auto t = b->try_acquire();
        if (t.is_ok() && t->has_value()) {
          b_term = **t;
          CHECK_FALSE(a->valid_now());
        }
        return a_renewed || b_term.has_value();
      },
      90s, a->options().ttl / 3));
  const std::string outcome = b_term ? "b took the lease over" : "a renewed through the election";
  const auto stall = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - killed_at);
  MESSAGE("after the stream leader's loss: " << outcome << " in " << stall.count() << " ms");
  if (b_term) {
    CHECK(*b_term > **first);
    CHECK(a->renew().code() == ErrorCode::kVersionConflict);
    CHECK(b->renew().is_ok());
  } else {
    CHECK(a->valid_now());
    CHECK(a->term() == **first);
  }
}

TEST_CASE(
    "lease on a cluster: with two servers of three gone it cannot be kept, and back it works") {
  ClusterWithBucket c;
  const int survivor = c.not_bucket_leader();
  auto link_a = c.connect_via(survivor);
  auto a = open_lease(*link_a, cluster_options(), "node-a");
  auto first = a->try_acquire();
  REQUIRE(first.is_ok());
  REQUIRE(first->has_value());

  for (int i = 0; i < NatsCluster::kSize; ++i) {
    if (i != survivor)
      c.cluster.kill(i);
  }
  // No quorum: renewals fail (unavailable: nobody answers), and a stops
  // believing it leads within the TTL of its last good renewal.
  Status failed = Status::ok();
  REQUIRE(poll_until(
      [&] {
        failed = a->renew();
        return !failed.is_ok();
      },
      30s, a->options().ttl / 3));
  CHECK(failed.code() == ErrorCode::kUnavailable);
  CHECK(poll_until([&] { return !a->valid_now(); }, a->options().ttl, 50ms));
  // Without quorum nobody gets a term: an error, or "held" when a replica's
  // stale copy of a's entry answers the read.
  auto none = a->try_acquire();
  CHECK_FALSE((none.is_ok() && none->has_value()));
  CHECK_FALSE(a->valid_now());

  for (int i = 0; i < NatsCluster::kSize; ++i)
    c.cluster.start(i);
  REQUIRE(c.cluster.wait_ready(kFormed));
  // Back: the lease is a's again, by a renewal (its entry outlived the
  // outage) or by a new create once the old entry expired.
  REQUIRE(poll_until(
      [&] {
        if (a->renew().is_ok())
          return true;
        auto t = a->try_acquire();
        return t.is_ok() && t->has_value();
      },
      90s, a->options().ttl / 3));
  CHECK(a->valid_now());
  CHECK(a->term() >= **first);
  int renewed = 0;
  CHECK(renew_for(*a, 2s, renewed));
}

TEST_CASE(
    "lease on a cluster: a holder cut off by a frozen server stops before another takes over") {
  ClusterWithBucket c;
  // a talks only through a server that is not the stream's leader; freezing
  // it cuts a off (its requests go unanswered) while the other two keep
  // the stream's quorum and serve b.
  const int cut = c.not_bucket_leader();
  auto link_a = c.connect_via(cut);
  auto link_b = c.connect_via(c.bucket_leader);
  auto a = open_lease(*link_a, cluster_options(), "node-a");
  auto b = open_lease(*link_b, cluster_options(), "node-b");
  auto first = a->try_acquire();
  REQUIRE(first.is_ok());
  REQUIRE(first->has_value());

  c.cluster.freeze(cut);
  std::optional<uint64_t> second;
  int renewed = 0;
  REQUIRE(poll_until(
      [&] {
        // a keeps trying to renew (each try waits ttl - ttl/3 for nothing).
        renewed += a->renew().is_ok();
        auto t = b->try_acquire();
        if (t.is_ok() && t->has_value()) {
          second = **t;
          CHECK_FALSE(a->valid_now());  // a stopped before b could start
        }
        return second.has_value();
      },
      60s, 100ms));
  CHECK(*second > **first);
  // a's renewals went unanswered meanwhile: never a success.
  CHECK(renewed == 0);
  CHECK(a->renew().code() == ErrorCode::kUnavailable);
  CHECK_FALSE(a->valid_now());

  c.cluster.thaw(cut);
  // Back in touch, a learns the lease is not its own. b keeps it, or takes
  // it again: a thawed server's overdue election timers can unsettle the
  // stream's leadership for longer than the TTL.
  bool a_told = false;
  REQUIRE(poll_until(
      [&] {
        if (!b->renew().is_ok())
          (void)b->try_acquire();
        a_told = a_told || a->renew().code() == ErrorCode::kVersionConflict;
        return a_told && b->valid_now();
      },
      kFormed, b->options().ttl / 3));
  CHECK_FALSE(a->valid_now());
  CHECK(b->term() >= *second);
  auto h = a->holder();
  REQUIRE(h.is_ok());
  REQUIRE(h->has_value());
  CHECK((*h)->node == "node-b");
  CHECK(b->renew().is_ok());
}
