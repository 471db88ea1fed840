// The fan-out's Prometheus text for /metrics (ApiOptions::extra_metrics):
// how far JetStream has acknowledged the log, the lag behind the log's
// last position, failed publishes, and whether NATS is connected.
#pragma once

#include <cstdint>
#include <string>

#include "api/fanout/nats_fanout.h"

namespace orderly::api::engine {

std::string fanout_metrics(const fanout::FanoutStats& stats, uint64_t last_position);

}  // namespace orderly::api::engine
