#include "api/nats/jetstream.h"

#include <algorithm>
#include <vector>

namespace orderly::api::nats {

JetStreamLink::~JetStreamLink() {
  if (js)
    jsCtx_Destroy(js);
  if (nc) {
    natsConnection_Close(nc);
    natsConnection_Destroy(nc);
  }
}

std::string nats_error(std::string_view what, natsStatus s) {
  const char* last = nats_GetLastError(nullptr);
  std::string text = std::string(what) + ": " + natsStatus_GetText(s);
  if (last != nullptr && *last != '\0')
    text += std::string(" (") + last + ")";
  return text;
}

Result<std::unique_ptr<JetStreamLink>> connect_jetstream(const std::string& url,
                                                         jsOptions* js_options) {
  auto link = std::make_unique<JetStreamLink>();
  natsOptions* opts = nullptr;
  if (natsOptions_Create(&opts) != NATS_OK)
    return Status::internal("cannot create NATS options");
  // A comma-separated list (a cluster) goes to SetServers: Debian's NATS.c
  // 3.4.1 never connects when SetURL is given one.
  std::vector<std::string> urls;
  for (size_t start = 0; start <= url.size();) {
    const size_t comma = std::min(url.find(',', start), url.size());
    if (comma > start)
      urls.push_back(url.substr(start, comma - start));
    start = comma + 1;
  }
  std::vector<const char*> servers;
  servers.reserve(urls.size());
  for (const auto& u : urls)
    servers.push_back(u.c_str());
  if (servers.size() > 1)
    natsOptions_SetServers(opts, servers.data(), static_cast<int>(servers.size()));
  else
    natsOptions_SetURL(opts, url.c_str());
  natsOptions_SetMaxReconnect(opts, -1);
  natsOptions_SetReconnectWait(opts, 200);
  natsOptions_SetTimeout(opts, 2000);
  const natsStatus s = natsConnection_Connect(&link->nc, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    link->nc = nullptr;
    return Status::io_error("cannot connect to NATS at " + url + ": " + natsStatus_GetText(s));
  }
  if (natsConnection_JetStream(&link->js, link->nc, js_options) != NATS_OK) {
    link->js = nullptr;
    return Status::io_error("no JetStream at " + url);
  }
  return link;
}

}  // namespace orderly::api::nats
