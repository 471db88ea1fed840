#include "api/engine/email_metrics.h"

namespace orderly::api::engine {

std::string email_notifier_metrics(const notify::email::EmailNotifierStats& st) {
  std::string out;
  auto add = [&out](const char* name, const char* type, const char* help, uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + std::to_string(value) + "\n";
  };
  add("orderly_email_sent_total", "counter", "Emails the in-process notifier delivered.", st.sent);
  add("orderly_email_failed_attempts_total", "counter",
      "Failed attempts to deliver an email (SMTP or outbox errors; each retried).",
      st.failed_attempts);
  add("orderly_email_pending", "gauge", "Emails waiting to be delivered.", st.pending);
  add("orderly_email_read_failures_total", "counter",
      "Failed reads of the notification events by the email notifier (each retried).",
      st.read_failures);
  add("orderly_email_position", "gauge", "Last log position the email notifier examined.",
      st.position);
  return out;
}

}  // namespace orderly::api::engine
