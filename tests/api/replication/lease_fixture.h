// What the lease tests share: a NATS connection made for the test (servers
// tried in the given order, reconnecting forever), a lease opened on it, and
// the leader of the bucket's stream.
#pragma once

#include <nats/nats.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/nats/jetstream.h"
#include "api/replication/leader_lease.h"

namespace orderly::testing {

// "nats://a,nats://b" as {"nats://a", "nats://b"}.
inline std::vector<std::string> split_urls(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// A connection that tries `servers` in this order (no shuffling: a test
// chooses which server a node talks to) and reconnects forever.
inline std::unique_ptr<api::nats::JetStreamLink> connect_in_order(
    const std::vector<std::string>& servers) {
  auto link = std::make_unique<api::nats::JetStreamLink>();
  natsOptions* opts = nullptr;
  if (natsOptions_Create(&opts) != NATS_OK)
    throw std::runtime_error("natsOptions_Create");
  std::vector<const char*> urls;
  for (const auto& s : servers)
    urls.push_back(s.c_str());
  natsOptions_SetServers(opts, urls.data(), static_cast<int>(urls.size()));
  natsOptions_SetNoRandomize(opts, true);
  natsOptions_SetMaxReconnect(opts, -1);
  natsOptions_SetReconnectWait(opts, 200);
  natsOptions_SetTimeout(opts, 2000);
  const natsStatus s = natsConnection_Connect(&link->nc, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK)
    throw std::runtime_error(std::string("cannot connect: ") + natsStatus_GetText(s));
  if (natsConnection_JetStream(&link->js, link->nc, nullptr) != NATS_OK)
    throw std::runtime_error("no JetStream");
  return link;
}

inline std::unique_ptr<api::replication::LeaderLease> open_lease(
    api::nats::JetStreamLink& link, const api::replication::LeaseOptions& options,
    const std::string& node) {
  auto lease = api::replication::LeaderLease::open(link.js, options, node,
                                                   "http://" + node + ".example:8080");
  if (!lease.is_ok())
    throw std::runtime_error(lease.status().to_string());
  return std::move(lease).value();
}

// The server name leading the bucket's stream ("" when unknown).
inline std::string stream_leader(jsCtx* js, const std::string& bucket) {
  jsStreamInfo* si = nullptr;
  if (js_GetStreamInfo(&si, js, ("KV_" + bucket).c_str(), nullptr, nullptr) != NATS_OK)
    return "";
  std::string leader =
      si->Cluster != nullptr && si->Cluster->Leader != nullptr ? si->Cluster->Leader : "";
  jsStreamInfo_Destroy(si);
  return leader;
}

}  // namespace orderly::testing
