#include "api/replication/replica_node.h"

#include <filesystem>

#include "api/nats/jetstream.h"
#include "api/replication/leader_lease.h"
#include "api/replication/log_applier.h"
#include "api/replication/log_publisher.h"
#include "api/replication/log_stream.h"
#include "core/thread_name.h"

namespace orderly::api::replication {

namespace {

using Clock = std::chrono::steady_clock;

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string node_id_from_url(std::string_view url) {
  std::string_view rest = url;
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos)
    rest.remove_prefix(scheme + 3);
  std::string id;
  for (char c : rest) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    id.push_back(ok ? c : '_');
  }
  while (!id.empty() && id.back() == '_')
    id.pop_back();
  return id.empty() ? "node" : id;
}

Result<uint64_t> set_aside_unreplicated(const std::string& data_dir, spdlog::logger& log) {
  auto opened = eventstore::EventStore::open(data_dir);
  if (!opened)
    return opened.status();
  eventstore::EventStore& store = **opened;
  auto member = store.load_checkpoint(eventstore::kClusterMemberCheckpoint);
  auto held = store.load_checkpoint(eventstore::kReplicatedPositionCheckpoint);
  if (!member)
    return member.status();
  if (!held)
    return held.status();
  if (*member == 0 || store.last_position() <= *held)
    return uint64_t{0};  // never in a cluster (its log may seed one), or nothing beyond
  const std::string dir = data_dir + "/quarantine";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string file =
      dir + "/" + std::to_string(unix_ms()) + "-after-" + std::to_string(*held) + ".orq";
  const uint64_t end = store.last_position();
  auto moved = store.quarantine_after(*held, file);
  if (!moved)
    return moved.status();
  log.warn(
      "replication: positions {} to {} of this node's log were never acknowledged by the "
      "cluster: {} records moved to {} (orderly inspect --quarantine {}); those the cluster "
      "did take come back from it",
      *held + 1, end, *moved, file, file);
  ORDERLY_RETURN_IF_ERROR(store.close());
  return *moved;
}

struct ReplicaNode::Impl {
  eventstore::EventStore& store;
  commands::CommandProcessor& writer;
  NodeOptions o;
  std::shared_ptr<spdlog::logger> log;
  std::string node_id;

  std::unique_ptr<nats::JetStreamLink> link;
  std::unique_ptr<LeaderLease> lease;
  std::unique_ptr<ClusterRegistry> registry;
  std::unique_ptr<LogApplier> applier;
  std::shared_ptr<LogPublisher> publisher;

  std::thread thread;
  // `joined`: link, registry, lease and applier are set (by the node's
  // thread) and may be read from others.
  std::atomic<bool> stopping{false}, leader{false}, deposed{false}, joined{false};
  mutable std::mutex mu;  // guards the fields below
  std::string leader_url, failure;
  uint64_t term = 0, stream_last = 0;

  Impl(eventstore::EventStore& s, commands::CommandProcessor& w, NodeOptions options,
       std::shared_ptr<spdlog::logger> l)
      : store(s), writer(w), o(std::move(options)), log(std::move(l)) {
    node_id = node_id_from_url(o.advertise_url);
  }

  void set_failure(const std::string& why) {
    std::lock_guard lock(mu);
    if (failure != why && log)
      log->error("replication: {}", why);
    failure = why;
  }

  void pause(std::chrono::milliseconds d) {
    const auto until = Clock::now() + d;
    while (!stopping.load() && Clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  void step_down(const Status& why) {
    if (deposed.exchange(true))
      return;
    leader.store(false);
    if (log)
      log->error("replication: stepping down: {}", why.to_string());
    if (o.on_deposed)
      o.on_deposed(why);
  }

  // Publishes every local record the stream lacks, when the stream is empty:
  // a single-node shop joining a new cluster.
  Result<uint64_t> publish_existing_log(uint64_t term_now) {
    uint64_t seq = 0;
    Status failed;
    Status st = store.scan_records(1, [&](const eventstore::ReplicatedRecord& r) {
      if (!lease->valid_now()) {
        failed = Status::unavailable("the lease expired while publishing the existing log");
        return false;
      }
      auto msg = log_message(r, term_now, true, seq);
      if (!msg) {
        failed = msg.status();
        return false;
      }
      jsPubAck* ack = nullptr;
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MaxWait = 10'000;
      const natsStatus s = js_PublishMsg(&ack, link->js, *msg, &po, nullptr);
      natsMsg_Destroy(*msg);
      if (s != NATS_OK) {
        failed = Status::unavailable(nats::nats_error("publishing the existing log", s));
        return false;
      }
      seq = ack->Sequence;
      jsPubAck_Destroy(ack);
      // A long log takes a while: keep the lease meanwhile.
      if (seq % 256 == 0)
        (void)lease->renew();
      return true;
    });
    ORDERLY_RETURN_IF_ERROR(st);
    ORDERLY_RETURN_IF_ERROR(failed);
    // All of it is the cluster's now: a restart keeps it.
    ORDERLY_RETURN_IF_ERROR(store.save_checkpoint(eventstore::kReplicatedPositionCheckpoint,
                                                  store.last_position(), true));
    if (log)
      log->info("replication: published this node's log ({} records) into the empty ORDERLY_LOG",
                seq);
    return seq;
  }

  // The position the stream's message `seq` ends at (0 for none).
  Result<uint64_t> stream_end_position(uint64_t seq) {
    if (seq == 0)
      return uint64_t{0};
    natsMsg* msg = nullptr;
    const natsStatus s = js_GetMsg(&msg, link->js, kLogStream, seq, nullptr, nullptr);
    if (s != NATS_OK)
      return Status::unavailable(nats::nats_error("reading ORDERLY_LOG's last message", s));
    auto parsed = parse_log_message(msg);
    natsMsg_Destroy(msg);
    if (!parsed)
      return parsed.status();
    return eventstore::record_last_position(parsed->record);
  }

  // With the lease: read the stream to its end, check the log is the
  // stream's, then lead. Errors leave the node a follower (the lease is
  // released so another can try).
  Status take_over(uint64_t new_term) {
    auto state = log_stream_state(link->js);
    if (!state)
      return state.status();
    uint64_t last_seq = state->last_sequence;
    if (last_seq == 0 && store.last_position() > 0) {
      applier->stop();
      auto published = publish_existing_log(new_term);
      if (!published)
        return published.status();
      last_seq = *published;
    } else {
      // Every acknowledged commit is in the stream: apply up to its end,
      // renewing the lease meanwhile.
      auto renew_at = Clock::now() + o.lease_ttl / 3;
      while (applier->applied_sequence() < last_seq) {
        if (stopping.load())
          return Status::shutting_down("stopping");
        if (applier->failed())
          return Status::corruption(applier->stats().failure);
        if (Clock::now() >= renew_at) {
          ORDERLY_RETURN_IF_ERROR(lease->renew());
          renew_at = Clock::now() + o.lease_ttl / 3;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      applier->stop();
      if (applier->failed())
        return Status::corruption(applier->stats().failure);
    }
    auto end = stream_end_position(last_seq);
    if (!end)
      return end.status();
    if (store.last_position() != *end) {
      return Status::corruption(
          "this node's log ends at " + std::to_string(store.last_position()) +
          " but the replicated log at " + std::to_string(*end) +
          ": it holds commits the cluster never acknowledged (quarantine them before it leads)");
    }
    if (!lease->valid_now())
      return Status::unavailable("the lease expired while catching up");
    PublisherOptions po;
    po.last_sequence = last_seq;
    po.term = new_term;
    po.replicated_position = *end;
    po.lease_valid = [l = lease.get()] { return l->valid_now(); };
    po.on_failure = [this](const Status& why) { step_down(why); };
    auto made = std::make_shared<LogPublisher>(link->nc, link->js, po);
    made->start();
    {
      std::lock_guard lock(mu);  // status() reads its counters
      publisher = made;
    }
    store.set_replication_gate(made);
    ORDERLY_RETURN_IF_ERROR(writer.promote());
    {
      std::lock_guard lock(mu);
      term = new_term;
      leader_url = o.advertise_url;
      stream_last = last_seq;
      failure.clear();
    }
    leader.store(true);
    if (log)
      log->info("replication: this node leads (term {}) from log position {}", new_term, *end);
    if (o.on_promoted) {
      if (Status st = o.on_promoted(); !st.is_ok())
        step_down(st);
    }
    return Status::ok();
  }

  void follow_step() {
    auto holder = lease->holder();
    if (!holder) {
      // NATS away for a moment (a server restarting, an election): the
      // next round asks again; /health shows the leader last known.
      if (log)
        log->debug("replication: cannot read the leader's lease: {}", holder.status().message());
      return;
    }
    if (*holder) {
      std::lock_guard lock(mu);
      // This node's own URL is its earlier process's lease, until it
      // expires: no leader to send anyone to.
      leader_url = (*holder)->url == o.advertise_url ? std::string() : (*holder)->url;
      term = (*holder)->term;
      return;
    }
    {
      std::lock_guard lock(mu);
      leader_url.clear();
    }
    if (applier->failed())
      return;  // a diverged log must not lead
    auto acquired = lease->try_acquire();
    if (!acquired || !*acquired)
      return;
    if (Status st = take_over(**acquired); !st.is_ok()) {
      set_failure("could not take over as leader: " + st.to_string());
      (void)lease->release();
      // Following again from where the applier stopped.
      if (!leader.load())
        (void)applier->start();
    }
  }

  void lead_step(Clock::time_point& renew_at) {
    if (Clock::now() < renew_at)
      return;
    const Status st = lease->renew();
    if (st.is_ok()) {
      renew_at = Clock::now() + o.lease_ttl / 3;
      return;
    }
    if (st.code() == ErrorCode::kVersionConflict || !lease->valid_now())
      step_down(Status::unavailable("lost the leader's lease: " + st.message()));
    else
      renew_at = Clock::now() + std::chrono::milliseconds(100);  // NATS away: try again soon
  }

  void report(Clock::time_point& report_at) {
    if (Clock::now() < report_at)
      return;
    report_at = Clock::now() + std::chrono::seconds(1);
    NodeInfo me;
    me.node = node_id;
    me.url = o.advertise_url;
    me.role = leader.load() ? "leader" : "follower";
    me.position = store.last_position();
    if (auto state = log_stream_state(link->js)) {
      std::lock_guard lock(mu);
      stream_last = state->last_sequence;
    }
    {
      std::lock_guard lock(mu);
      me.term = term;
      me.lag = lag_locked();
    }
    me.reported_unix_ms = unix_ms();
    (void)registry->report(me);
  }

  uint64_t lag_locked() const {
    if (leader.load() || !joined.load())
      return 0;
    const uint64_t applied = applier->applied_sequence();
    return stream_last > applied ? stream_last - applied : 0;
  }

  ApplierOptions applier_options() {
    ApplierOptions ao;
    ao.url = o.nats_url;
    ao.on_error = [this](const std::string& why) {
      if (log)
        log->warn("replication follower: {}", why);
    };
    return ao;
  }

  // Connects, makes or binds the stream and the buckets, checks the secret,
  // and starts following. Fields are set here, before `joined`.
  Status join() {
    if (!link) {
      auto connected = nats::connect_jetstream(o.nats_url);
      if (!connected)
        return connected.status();
      link = std::move(*connected);
    }
    LogStreamOptions so;
    so.replicas = o.replicas;
    ORDERLY_RETURN_IF_ERROR(ensure_log_stream(link->js, so));
    if (!registry) {
      auto opened = ClusterRegistry::open(link->js, o.replicas);
      if (!opened)
        return opened.status();
      registry = std::move(*opened);
    }
    ORDERLY_RETURN_IF_ERROR(registry->check_secret(o.jwt_secret));
    if (!lease) {
      LeaseOptions lo;
      lo.replicas = o.replicas;
      lo.ttl = o.lease_ttl;
      auto opened = LeaderLease::open(link->js, lo, node_id, o.advertise_url);
      if (!opened)
        return opened.status();
      lease = std::move(*opened);
    }
    applier = std::make_unique<LogApplier>(store, applier_options());
    ORDERLY_RETURN_IF_ERROR(applier->start());
    return Status::ok();
  }

  // Tries join() until it works (NATS may still be electing its leaders, or
  // away) or is refused for good (a different secret: on_fatal); false then,
  // or when stopping.
  bool join_until_joined() {
    auto backoff = std::chrono::milliseconds(200);
    while (!stopping.load()) {
      const Status st = join();
      if (st.is_ok()) {
        {
          std::lock_guard lock(mu);
          failure.clear();
        }
        joined.store(true);
        if (log)
          log->info("replication: joined the cluster at {} as a follower", o.nats_url);
        return true;
      }
      if (st.code() == ErrorCode::kInvalidArgument) {
        set_failure(st.message());
        if (o.on_fatal)
          o.on_fatal(st);
        return false;
      }
      set_failure("joining the cluster: " + st.message());
      pause(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
    return false;
  }

  void run() {
    auto renew_at = Clock::now();
    auto report_at = Clock::now();
    while (!stopping.load()) {
      if (deposed.load()) {
        pause(std::chrono::milliseconds(100));
        continue;
      }
      if (leader.load())
        lead_step(renew_at);
      else
        follow_step();
      report(report_at);
      pause(leader.load() ? std::chrono::milliseconds(50) : std::chrono::milliseconds(200));
    }
  }
};

ReplicaNode::ReplicaNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ReplicaNode::~ReplicaNode() {
  stop();
}

Result<std::unique_ptr<ReplicaNode>> ReplicaNode::start(eventstore::EventStore& store,
                                                        commands::CommandProcessor& writer,
                                                        NodeOptions options,
                                                        std::shared_ptr<spdlog::logger> log) {
  auto impl = std::make_unique<Impl>(store, writer, std::move(options), std::move(log));
  // From now on this log is the cluster's (set_aside_unreplicated).
  ORDERLY_RETURN_IF_ERROR(store.save_checkpoint(eventstore::kClusterMemberCheckpoint, 1, true));
  {
    std::lock_guard lock(impl->mu);
    impl->failure = "joining the cluster";
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    name_this_thread("replica-node");
    if (raw->join_until_joined())
      raw->run();
  });
  return std::unique_ptr<ReplicaNode>(new ReplicaNode(std::move(impl)));
}

void ReplicaNode::stop() {
  if (!impl_ || impl_->stopping.exchange(true))
    return;
  if (impl_->thread.joinable())
    impl_->thread.join();
  if (!impl_->joined.load())
    return;
  impl_->applier->stop();
  if (impl_->leader.load()) {
    // Every acknowledged commit is in the stream; give the lease back so a
    // follower takes over now rather than after the TTL. From here the
    // publisher refuses (the lease is no longer valid): commands still
    // queued are answered unavailable, never acknowledged unreplicated.
    (void)impl_->lease->release();
  }
  if (impl_->publisher)
    impl_->publisher->stop();
}

bool ReplicaNode::is_leader() const {
  return impl_->leader.load();
}

NodeStatus ReplicaNode::status() const {
  NodeStatus s;
  s.role = impl_->leader.load() ? "leader" : "follower";
  std::lock_guard lock(impl_->mu);
  s.term = impl_->term;
  s.leader_url = impl_->leader_url;
  s.lag = impl_->lag_locked();
  s.stream_sequence = impl_->stream_last;
  s.failure = impl_->failure;
  if (impl_->publisher) {
    const PublisherStats p = impl_->publisher->stats();
    s.published_messages = p.messages;
    s.publish_retries = p.retries;
  }
  if (impl_->joined.load() && impl_->applier->failed() && s.failure.empty())
    s.failure = impl_->applier->stats().failure;
  return s;
}

Result<std::vector<NodeInfo>> ReplicaNode::cluster() {
  if (!impl_->joined.load())
    return Status::unavailable("this node has not joined the cluster yet");
  return impl_->registry->nodes();
}

}  // namespace orderly::api::replication
