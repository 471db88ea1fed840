// How SMTP delivery uses TLS (--smtp-tls, --smtp-ca-file):
//
//   smtps://host:465   implicit TLS from the first byte, whatever the mode
//                      but `off` (a contradiction, refused at start);
//   smtp://host:587    STARTTLS (RFC 3207): `opportunistic` (the default)
//                      upgrades when the server offers it and sends in
//                      clear when it does not; `required` refuses to send
//                      in clear (the attempt fails, its last_error says
//                      why); `off` never upgrades.
//
// Whenever TLS is used the server's certificate is verified, chain and host
// name, against the system's CAs or the `ca_file` given: a certificate that
// does not verify fails the attempt, it never falls back to clear text.
#pragma once

#include <curl/curl.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace orderly::api::notify::email {

enum class SmtpTls { kOpportunistic, kRequired, kOff };

// "opportunistic", "required", "off"; nullopt for anything else.
std::optional<SmtpTls> parse_smtp_tls(std::string_view text);
std::string_view smtp_tls_name(SmtpTls tls);

// Checks the settings before anything starts (invalid_argument, saying
// why): the URL is smtp:// or smtps://; smtps:// with `off`; a CA file that
// cannot be read.
Status check_smtp_settings(const std::string& url, SmtpTls tls, const std::string& ca_file);

// How emails travel, for the start-up log: "through smtps://... (TLS,
// certificate verified against /etc/ca.pem)".
std::string describe_smtp(const std::string& url, SmtpTls tls, const std::string& ca_file);

// Sets STARTTLS and certificate verification on an SMTP easy handle.
void apply_smtp_tls(CURL* curl, SmtpTls tls, const std::string& ca_file);

// A failed transfer's error in words an operator can act on.
std::string smtp_tls_error(CURLcode rc, std::string_view curl_error, SmtpTls tls,
                           const std::string& ca_file);

}  // namespace orderly::api::notify::email
