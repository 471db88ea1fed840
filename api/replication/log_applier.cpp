#include "api/replication/log_applier.h"

#include "api/replication/log_stream.h"

namespace orderly::api::replication {

LogApplier::LogApplier(eventstore::EventStore& store, ApplierOptions options)
    : store_(store), o_(std::move(options)) {}

LogApplier::~LogApplier() {
  stop();
}

Status LogApplier::start() {
  auto checkpoint = store_.load_checkpoint(kReplicationCheckpoint);
  if (!checkpoint)
    return checkpoint.status();
  applied_.store(*checkpoint);
  pending_ = {};
  nats::FollowOptions fo;
  fo.url = o_.url;
  fo.stream = kLogStream;
  fo.subject = kLogSubject;
  fo.from_first = true;
  fo.after_sequence = *checkpoint;
  fo.on_message = [this](const natsMsg* msg, uint64_t sequence) { on_message(msg, sequence); };
  fo.on_error = o_.on_error;
  follower_ = std::make_unique<nats::StreamFollower>(std::move(fo));
  follower_->start();
  return Status::ok();
}

void LogApplier::stop() {
  if (follower_)
    follower_->stop();
  follower_.reset();
}

ApplierStats LogApplier::stats() const {
  ApplierStats s;
  s.applied_sequence = applied_.load();
  s.commits = commits_.load();
  s.skipped = skipped_.load();
  std::lock_guard lock(mu_);
  s.failure = failure_;
  return s;
}

void LogApplier::fail(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    if (failed_.load())
      return;
    failure_ = why;
  }
  failed_.store(true);
  if (o_.on_error)
    o_.on_error(why);
}

Status LogApplier::compare_with_local(const eventstore::ReplicatedCommit& commit) const {
  size_t i = 0;
  Status differs;
  Status st =
      store_.scan_records(commit.first_position(), [&](const eventstore::ReplicatedRecord& r) {
        const eventstore::ReplicatedRecord& theirs = commit.records[i];
        if (r.first_position != theirs.first_position || r.bytes != theirs.bytes) {
          differs = Status::corruption(
              "this node's log differs from the replicated log at position " +
              std::to_string(theirs.first_position) +
              ": it holds commits the cluster never acknowledged (move them aside: quarantine)");
          return false;
        }
        return ++i < commit.records.size();
      });
  ORDERLY_RETURN_IF_ERROR(st);
  ORDERLY_RETURN_IF_ERROR(differs);
  if (i < commit.records.size()) {
    return Status::corruption("this node's log ends inside a commit of the replicated log at " +
                              std::to_string(commit.records[i].first_position));
  }
  return Status::ok();
}

void LogApplier::on_message(const natsMsg* msg, uint64_t sequence) {
  if (failed_.load())
    return;
  auto parsed = parse_log_message(const_cast<natsMsg*>(msg));
  if (!parsed) {
    fail("message " + std::to_string(sequence) + " of ORDERLY_LOG: " + parsed.status().message());
    return;
  }
  pending_.records.push_back(std::move(parsed->record));
  if (!parsed->commit_end)
    return;
  eventstore::ReplicatedCommit commit = std::move(pending_);
  pending_ = {};
  const uint64_t local_end = store_.last_position();
  const uint64_t first = commit.first_position();
  Status st;
  if (first <= local_end) {
    st = compare_with_local(commit);
    if (st.is_ok()) {
      st = store_.save_checkpoint(kReplicationCheckpoint, sequence, false);
      skipped_.fetch_add(1);
    }
  } else if (first == local_end + 1) {
    st = store_.apply_replicated(commit, kReplicationCheckpoint, sequence);
    if (st.is_ok())
      commits_.fetch_add(1);
  } else {
    st = Status::corruption("ORDERLY_LOG message " + std::to_string(sequence) +
                            " starts at position " + std::to_string(first) +
                            " but this node's log ends at " + std::to_string(local_end));
  }
  if (!st.is_ok()) {
    fail(st.to_string());
    return;
  }
  applied_.store(sequence);
}

}  // namespace orderly::api::replication
