#include "api/engine/payment_metrics.h"

namespace orderly::api::engine {

std::string payment_dispatch_metrics(const payments::provider::DispatcherStats& st) {
  std::string out;
  auto add = [&out](const char* name, const char* type, const char* help, uint64_t value) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
    out += name;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  };
  add("orderly_payment_dispatch_position", "gauge",
      "Last log position the payment dispatcher has sent or given up.", st.position);
  add("orderly_payment_dispatch_sent_total", "counter",
      "Intents and refunds the payment provider accepted.", st.sent);
  add("orderly_payment_dispatch_refused_total", "counter",
      "Intents and refunds the payment provider refused (4xx; not sent again).", st.refused);
  add("orderly_payment_dispatch_failures_total", "counter",
      "Failed calls to the payment provider (no answer, 5xx, 408, 429; each retried).",
      st.failures);
  return out;
}

}  // namespace orderly::api::engine
