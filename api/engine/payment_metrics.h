// The payment dispatcher's Prometheus text for /metrics
// (ApiOptions::extra_metrics): where it is in the log, the calls the
// provider accepted and refused, and the failed attempts (each retried).
#pragma once

#include <string>

#include "api/payments/provider/dispatcher.h"

namespace orderly::api::engine {

std::string payment_dispatch_metrics(const payments::provider::DispatcherStats& stats);

}  // namespace orderly::api::engine
