// The in-process email notifier's Prometheus text for /metrics
// (ApiOptions::extra_metrics): emails sent, failed attempts (each retried
// by the notifier), emails waiting, and how far it has read the log.
#pragma once

#include <string>

#include "api/notify/email/email_notifier.h"

namespace orderly::api::engine {

std::string email_notifier_metrics(const notify::email::EmailNotifierStats& stats);

}  // namespace orderly::api::engine
