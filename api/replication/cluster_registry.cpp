#include "api/replication/cluster_registry.h"

#include <boost/json.hpp>

#include <algorithm>

#include "api/nats/jetstream.h"
#include "core/digest.h"

namespace orderly::api::replication {

namespace {

constexpr char kClusterBucket[] = "ORDERLY_CLUSTER";
constexpr char kNodesBucket[] = "ORDERLY_NODES";
constexpr auto kNodeTtl = std::chrono::seconds(15);

Result<kvStore*> bucket(jsCtx* js, const char* name, int replicas, std::chrono::milliseconds ttl) {
  kvStore* kv = nullptr;
  if (js_KeyValue(&kv, js, name) == NATS_OK)
    return kv;
  kvConfig cfg;
  kvConfig_Init(&cfg);
  cfg.Bucket = name;
  cfg.History = 1;
  cfg.Replicas = replicas;
  cfg.StorageType = js_FileStorage;
  cfg.TTL = std::chrono::duration_cast<std::chrono::nanoseconds>(ttl).count();
  natsStatus s = js_CreateKeyValue(&kv, js, &cfg);
  if (s == NATS_OK)
    return kv;
  if (js_KeyValue(&kv, js, name) == NATS_OK)  // made by another node meanwhile
    return kv;
  return Status::unavailable(nats::nats_error(std::string("cannot open KV bucket ") + name, s));
}

}  // namespace

Result<std::unique_ptr<ClusterRegistry>> ClusterRegistry::open(jsCtx* js, int replicas) {
  auto cluster = bucket(js, kClusterBucket, replicas, std::chrono::milliseconds(0));
  if (!cluster)
    return cluster.status();
  auto nodes = bucket(js, kNodesBucket, replicas, kNodeTtl);
  if (!nodes) {
    kvStore_Destroy(*cluster);
    return nodes.status();
  }
  return std::unique_ptr<ClusterRegistry>(new ClusterRegistry(*cluster, *nodes));
}

ClusterRegistry::~ClusterRegistry() {
  kvStore_Destroy(cluster_);
  kvStore_Destroy(nodes_);
}

Status ClusterRegistry::check_secret(std::string_view secret) {
  // A digest under a label of its own: nothing else hashes the secret so.
  const std::string digest = digest128_hex("orderly cluster jwt secret\n" + std::string(secret));
  uint64_t rev = 0;
  natsStatus s =
      kvStore_Create(&rev, cluster_, "jwt-secret", digest.data(), static_cast<int>(digest.size()));
  if (s == NATS_OK)
    return Status::ok();
  kvEntry* e = nullptr;
  s = kvStore_Get(&e, cluster_, "jwt-secret");
  if (s != NATS_OK)
    return Status::unavailable(nats::nats_error("cannot read the cluster's secret digest", s));
  const std::string theirs(kvEntry_ValueString(e) == nullptr ? "" : kvEntry_ValueString(e));
  kvEntry_Destroy(e);
  if (theirs != digest) {
    return Status::invalid_argument(
        "this node's JWT secret differs from the cluster's: every node must use the same "
        "--jwt-secret-file, so that a token signed by one is valid on all");
  }
  return Status::ok();
}

Status ClusterRegistry::report(const NodeInfo& n) {
  boost::json::object o;
  o["node"] = n.node;
  o["url"] = n.url;
  o["role"] = n.role;
  o["term"] = n.term;
  o["position"] = n.position;
  o["lag"] = n.lag;
  o["reported_unix_ms"] = n.reported_unix_ms;
  const std::string text = boost::json::serialize(o);
  uint64_t rev = 0;
  const natsStatus s =
      kvStore_Put(&rev, nodes_, n.node.c_str(), text.data(), static_cast<int>(text.size()));
  if (s != NATS_OK)
    return Status::unavailable(nats::nats_error("cannot report this node", s));
  return Status::ok();
}

Result<std::vector<NodeInfo>> ClusterRegistry::nodes() {
  kvKeysList keys{};
  natsStatus s = kvStore_Keys(&keys, nodes_, nullptr);
  std::vector<NodeInfo> out;
  if (s == NATS_NOT_FOUND)
    return out;
  if (s != NATS_OK)
    return Status::unavailable(nats::nats_error("cannot list the cluster's nodes", s));
  for (int i = 0; i < keys.Count; ++i) {
    kvEntry* e = nullptr;
    if (kvStore_Get(&e, nodes_, keys.Keys[i]) != NATS_OK)
      continue;
    boost::system::error_code ec;
    const auto v = boost::json::parse(
        std::string_view(kvEntry_ValueString(e) == nullptr ? "" : kvEntry_ValueString(e)), ec);
    kvEntry_Destroy(e);
    if (ec || !v.is_object())
      continue;
    const auto& o = v.as_object();
    NodeInfo n;
    auto str = [&](const char* k) {
      const auto* f = o.if_contains(k);
      return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    auto num = [&](const char* k) -> uint64_t {
      const auto* f = o.if_contains(k);
      if (f == nullptr)
        return 0;
      if (f->is_uint64())
        return f->as_uint64();
      return f->is_int64() && f->as_int64() > 0 ? static_cast<uint64_t>(f->as_int64()) : 0;
    };
    n.node = str("node");
    n.url = str("url");
    n.role = str("role");
    n.term = num("term");
    n.position = num("position");
    n.lag = num("lag");
    n.reported_unix_ms = static_cast<int64_t>(num("reported_unix_ms"));
    out.push_back(std::move(n));
  }
  kvKeysList_Destroy(&keys);
  std::sort(out.begin(), out.end(),
            [](const NodeInfo& a, const NodeInfo& b) { return a.node < b.node; });
  return out;
}

}  // namespace orderly::api::replication
