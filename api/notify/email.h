// Emails: rendering from the templates in api/notify/templates (a subject,
// a plain-text and an HTML part, {{placeholders}} filled in, HTML-escaped
// in the HTML part), the MIME message, and delivery: SMTP through libcurl,
// or an .eml file in an outbox directory when no SMTP server is configured.
#pragma once

#include <map>
#include <string>

#include "core/status.h"

namespace orderly::api {

struct Email {
  std::string from, to, subject, text, html;
  std::string message_id;  // <notification id@orderly>: the same email keeps its id
};

// Fills template `name`; fails for an unknown template.
Result<Email> render_email(const std::string& name, const std::map<std::string, std::string>& vars);
// The RFC 5322 message: headers and a multipart/alternative body.
std::string mime_message(const Email& email);

struct SmtpOptions {
  std::string url;  // smtp://127.0.0.1:2525
  long timeout_s = 15;
};
Status send_smtp(const SmtpOptions& smtp, const Email& email);
// libcurl's global set-up, once per process, before any easy handle.
void curl_init_once();
// Writes <dir>/<file_stem>.eml atomically (temp file, then rename).
Status write_eml(const std::string& dir, const std::string& file_stem, const Email& email);

}  // namespace orderly::api
