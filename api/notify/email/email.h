// Emails: rendering from the templates in api/notify/email/templates (a subject,
// a plain-text and an HTML part, {{placeholders}} filled in, HTML-escaped
// in the HTML part), the MIME message, and delivery: SMTP through libcurl,
// or an .eml file in an outbox directory when no SMTP server is configured.
#pragma once

#include <atomic>
#include <map>
#include <string>

#include "api/notify/email/smtp_tls.h"
#include "core/status.h"

namespace orderly::api::notify::email {

struct Email {
  std::string from, to, subject, text, html;
  std::string message_id;  // <notification id@mail domain>: the same email keeps its id
  int64_t date_us = 0;     // the Date header's time; 0 = when the message is made
};

// Fills template `name`; fails for an unknown template.
Result<Email> render_email(const std::string& name, const std::map<std::string, std::string>& vars);
// The RFC 5322 message: headers (an RFC 5322 Date, non-ASCII values as
// RFC 2047 encoded words) and a multipart/alternative body, each part 7bit
// or quoted-printable (rfc5322.h).
std::string mime_message(const Email& email);

// Timeouts follow what a delivered email must never be: sent twice. Until
// the whole message is handed over, a slow server is given up on quickly
// (nothing was delivered, a retry is safe). Once it is, the final reply is
// waited for as long as RFC 5321 4.5.3.2.6 asks (10 minutes): a server
// slow to commit has the message, and giving up would send it again.
struct SmtpOptions {
  std::string url;  // smtp://127.0.0.1:2525 or smtps://mail.example.com:465
  SmtpTls tls = SmtpTls::kOpportunistic;
  std::string ca_file;         // "" = the system's CAs
  long connect_timeout_s = 5;  // TCP connect, greeting and EHLO
  long send_timeout_s = 15;    // from the start until the message is handed over
  long final_reply_timeout_s = 600;
  // Set when the notifier stops: an attempt that has not handed the message
  // over ends at once; one waiting for the final reply waits `stop_grace_s`
  // more, well inside a service manager's usual stop timeout (90 s). One
  // still unanswered then is the only case sent again after the restart
  // (the server may have it): a stop never waits 10 minutes.
  const std::atomic<bool>* stopping = nullptr;
  long stop_grace_s = 30;
};
Status send_smtp(const SmtpOptions& smtp, const Email& email);
// libcurl's global set-up, once per process, before any easy handle.
void curl_init_once();
// Writes <dir>/<file_stem>.eml atomically (temp file, then rename).
Status write_eml(const std::string& dir, const std::string& file_stem, const Email& email);

}  // namespace orderly::api::notify::email
