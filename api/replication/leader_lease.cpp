#include "api/replication/leader_lease.h"

#include <boost/json.hpp>

#include "api/nats/jetstream.h"

namespace orderly::api::replication {

namespace {

constexpr const char* kKey = "leader";

using nats::nats_error;

std::string lease_value(const std::string& node, const std::string& url, uint64_t term) {
  boost::json::object o{{"node", node}, {"url", url}};
  if (term != 0)
    o["term"] = term;
  return boost::json::serialize(o);
}

Result<LeaseHolder> parse_holder(kvEntry* entry) {
  const auto* data = static_cast<const char*>(kvEntry_Value(entry));
  const std::string_view text(data == nullptr ? "" : data,
                              static_cast<size_t>(kvEntry_ValueLen(entry)));
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  const boost::json::value* node = o ? o->if_contains("node") : nullptr;
  const boost::json::value* url = o ? o->if_contains("url") : nullptr;
  if (node == nullptr || !node->is_string() || url == nullptr || !url->is_string())
    return Status::corruption("lease value is not {\"node\":..,\"url\":..}: " + std::string(text));
  LeaseHolder h;
  h.node = std::string(node->as_string());
  h.url = std::string(url->as_string());
  h.revision = kvEntry_Revision(entry);
  h.term = h.revision;  // the create's value cannot name its own revision
  if (const boost::json::value* term = o->if_contains("term")) {
    if (term->is_uint64())
      h.term = term->as_uint64();
    else if (term->is_int64() && term->as_int64() > 0)
      h.term = static_cast<uint64_t>(term->as_int64());
    else
      return Status::corruption("lease term is not a positive integer: " + std::string(text));
  }
  return h;
}

}  // namespace

Result<std::unique_ptr<LeaderLease>> LeaderLease::open(jsCtx* js, LeaseOptions options,
                                                       std::string node_id,
                                                       std::string advertise_url) {
  if (options.ttl < std::chrono::milliseconds(300))
    return Status::invalid_argument("lease ttl must be at least 300 ms");
  if (options.replicas < 1 || options.replicas > 5)
    return Status::invalid_argument("lease replicas must be 1 to 5");
  kvConfig cfg;
  kvConfig_Init(&cfg);
  cfg.Bucket = options.bucket.c_str();
  cfg.History = 1;
  // The stream's max_age, in nanoseconds as every JetStream duration.
  const int64_t ttl_ns = std::chrono::nanoseconds(options.ttl).count();
  cfg.TTL = ttl_ns;
  cfg.Replicas = options.replicas;
  cfg.StorageType = js_FileStorage;
  kvStore* kv = nullptr;
  natsStatus s = js_CreateKeyValue(&kv, js, &cfg);
  if (s != NATS_OK) {
    // Creating is idempotent for the same configuration; another one (an
    // older bucket with other settings) is bound only if its TTL agrees.
    const std::string create_error = nats_error("cannot create KV bucket " + options.bucket, s);
    kv = nullptr;
    s = js_KeyValue(&kv, js, options.bucket.c_str());
    if (s != NATS_OK)
      return Status::unavailable(create_error);
    kvStatus* st = nullptr;
    s = kvStore_Status(&st, kv);
    if (s != NATS_OK) {
      kvStore_Destroy(kv);
      return Status::unavailable(nats_error("cannot read KV bucket " + options.bucket, s));
    }
    const int64_t ttl = kvStatus_TTL(st);
    kvStatus_Destroy(st);
    if (ttl != ttl_ns) {
      kvStore_Destroy(kv);
      return Status::invalid_argument("KV bucket " + options.bucket + " has ttl " +
                                      std::to_string(ttl / 1'000'000) + " ms, the lease needs " +
                                      std::to_string(options.ttl.count()) + " ms");
    }
  }
  return std::unique_ptr<LeaderLease>(
      new LeaderLease(js, kv, std::move(options), std::move(node_id), std::move(advertise_url)));
}

LeaderLease::LeaderLease(jsCtx* js, kvStore* kv, LeaseOptions options, std::string node_id,
                         std::string url)
    : js_(js),
      kv_(kv),
      options_(std::move(options)),
      node_id_(std::move(node_id)),
      url_(std::move(url)),
      subject_("$KV." + options_.bucket + "." + kKey) {
  valid_until_.store(Clock::time_point::min().time_since_epoch().count());
}

LeaderLease::~LeaderLease() {
  kvStore_Destroy(kv_);
}

bool LeaderLease::valid_now() const {
  return Clock::now().time_since_epoch().count() < valid_until_.load(std::memory_order_acquire);
}

void LeaderLease::valid_from(Clock::time_point request_start) {
  const auto until = request_start + options_.ttl - options_.ttl / 3;
  valid_until_.store(until.time_since_epoch().count(), std::memory_order_release);
}

void LeaderLease::lose() {
  valid_until_.store(Clock::time_point::min().time_since_epoch().count(),
                     std::memory_order_release);
  revision_ = 0;
}

Result<std::optional<uint64_t>> LeaderLease::try_acquire() {
  if (revision_ != 0) {
    // Held, or held until renewals failed: keeping it (same term) beats a
    // new create, which our own live entry would refuse until it expires.
    if (valid_now())
      return std::optional<uint64_t>(term());
    const Status kept = renew();
    if (kept.is_ok())
      return std::optional<uint64_t>(term());
    if (kept.code() != ErrorCode::kVersionConflict)
      return kept;
  }
  const auto start = Clock::now();
  const std::string value = lease_value(node_id_, url_, 0);
  uint64_t rev = 0;
  // Succeeds only when the key has no entry, or its last is a delete marker.
  const natsStatus s =
      kvStore_Create(&rev, kv_, kKey, value.data(), static_cast<int>(value.size()));
  if (s == NATS_OK) {
    revision_ = rev;
    term_.store(rev, std::memory_order_release);
    valid_from(start);
    return std::optional<uint64_t>(rev);
  }
  const std::string create_error = nats_error("cannot create the lease", s);
  // Refused because someone holds it, or no answer: the key tells which.
  kvEntry* e = nullptr;
  const natsStatus g = kvStore_Get(&e, kv_, kKey);
  if (g == NATS_OK) {
    kvEntry_Destroy(e);
    return std::optional<uint64_t>();
  }
  return Status::unavailable(create_error);
}

Result<uint64_t> LeaderLease::compare_and_set(uint64_t expected, const std::string* payload) {
  natsMsg* msg = nullptr;
  const char* data = payload ? payload->data() : nullptr;
  const int len = payload ? static_cast<int>(payload->size()) : 0;
  natsStatus s = natsMsg_Create(&msg, subject_.c_str(), nullptr, data, len);
  if (s == NATS_OK && payload == nullptr)
    s = natsMsgHeader_Set(msg, "KV-Operation", "DEL");  // a KV delete marker
  if (s != NATS_OK) {
    natsMsg_Destroy(msg);
    return Status::internal(nats_error("cannot build the lease message", s));
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.ExpectLastSubjectSeq = expected;
  // An answer later than this leaves no validity (valid_from counts from the
  // request's start): not worth waiting for.
  po.MaxWait = (options_.ttl - options_.ttl / 3).count();
  jsPubAck* ack = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&ack, js_, msg, &po, &jerr);
  natsMsg_Destroy(msg);
  if (s == NATS_OK) {
    const uint64_t rev = ack->Sequence;
    jsPubAck_Destroy(ack);
    return rev;
  }
  if (jerr == JSStreamWrongLastSequenceErr)
    return Status::version_conflict("the lease changed since revision " + std::to_string(expected));
  return Status::unavailable(nats_error("no answer about the lease", s));
}

Status LeaderLease::renew() {
  if (revision_ == 0)
    return Status::version_conflict("the lease is not held");
  const auto start = Clock::now();
  const std::string value = lease_value(node_id_, url_, term());
  Result<uint64_t> rev = compare_and_set(revision_, &value);
  if (!rev.is_ok() && rev.status().code() == ErrorCode::kVersionConflict) {
    // A renewal whose answer was lost (a timeout while NATS stalled) may
    // have been stored: then the entry names this node and term at a later
    // revision, and nobody else wrote since it. Only this node writes its
    // term (each term is a distinct create revision), so that entry is ours;
    // the compare-and-set below proves it is still the last.
    Result<std::optional<LeaseHolder>> h = holder();
    if (h.is_ok() && h->has_value() && (*h)->node == node_id_ && (*h)->term == term() &&
        (*h)->revision > revision_)
      rev = compare_and_set((*h)->revision, &value);
  }
  if (rev.is_ok()) {
    revision_ = *rev;
    valid_from(start);
    return Status::ok();
  }
  if (rev.status().code() == ErrorCode::kVersionConflict)
    lose();
  return rev.status();
}

Result<std::optional<LeaseHolder>> LeaderLease::holder() {
  kvEntry* e = nullptr;
  const natsStatus s = kvStore_Get(&e, kv_, kKey);
  if (s == NATS_NOT_FOUND)
    return std::optional<LeaseHolder>();  // never written, expired, or released
  if (s != NATS_OK)
    return Status::unavailable(nats_error("cannot read the lease", s));
  Result<LeaseHolder> h = parse_holder(e);
  kvEntry_Destroy(e);
  if (!h.is_ok())
    return h.status();
  return std::optional<LeaseHolder>(std::move(h).value());
}

Status LeaderLease::release() {
  // Stop acknowledging before the key is gone, whatever NATS answers.
  valid_until_.store(Clock::time_point::min().time_since_epoch().count(),
                     std::memory_order_release);
  if (revision_ == 0)
    return Status::ok();
  Result<uint64_t> rev = compare_and_set(revision_, nullptr);
  if (rev.is_ok() || rev.status().code() == ErrorCode::kVersionConflict) {
    revision_ = 0;
    return Status::ok();
  }
  return rev.status();  // still ours: a retry may delete it, or it expires
}

}  // namespace orderly::api::replication
