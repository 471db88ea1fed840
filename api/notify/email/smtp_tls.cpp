#include "api/notify/email/smtp_tls.h"

#include <fstream>

namespace orderly::api::notify::email {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size())
    return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
    if (c != prefix[i])
      return false;
  }
  return true;
}

bool implicit_tls(std::string_view url) {
  return starts_with_nocase(url, "smtps://");
}

}  // namespace

std::optional<SmtpTls> parse_smtp_tls(std::string_view text) {
  if (text == "opportunistic")
    return SmtpTls::kOpportunistic;
  if (text == "required")
    return SmtpTls::kRequired;
  if (text == "off")
    return SmtpTls::kOff;
  return std::nullopt;
}

std::string_view smtp_tls_name(SmtpTls tls) {
  switch (tls) {
    case SmtpTls::kRequired:
      return "required";
    case SmtpTls::kOff:
      return "off";
    case SmtpTls::kOpportunistic:
      break;
  }
  return "opportunistic";
}

Status check_smtp_settings(const std::string& url, SmtpTls tls, const std::string& ca_file) {
  if (!starts_with_nocase(url, "smtp://") && !implicit_tls(url)) {
    return Status::invalid_argument("--smtp-url must start with smtp:// or smtps://, not '" + url +
                                    "'");
  }
  if (implicit_tls(url) && tls == SmtpTls::kOff) {
    return Status::invalid_argument("--smtp-tls off contradicts --smtp-url " + url +
                                    " (smtps:// is TLS from the first byte)");
  }
  if (!ca_file.empty() && !std::ifstream(ca_file).good())
    return Status::invalid_argument("cannot read --smtp-ca-file " + ca_file);
  return Status::ok();
}

std::string describe_smtp(const std::string& url, SmtpTls tls, const std::string& ca_file) {
  const std::string verified = "certificate verified against " +
                               (ca_file.empty() ? std::string("the system's CAs") : ca_file);
  if (implicit_tls(url))
    return "through " + url + " (TLS, " + verified + ")";
  switch (tls) {
    case SmtpTls::kRequired:
      return "through " + url + " (STARTTLS required, " + verified + ")";
    case SmtpTls::kOff:
      return "through " + url + " (in clear: --smtp-tls off)";
    case SmtpTls::kOpportunistic:
      break;
  }
  return "through " + url + " (STARTTLS when the server offers it, " + verified +
         "; in clear otherwise)";
}

void apply_smtp_tls(CURL* curl, SmtpTls tls, const std::string& ca_file) {
  // smtps:// URLs are TLS whatever this says; for smtp:// it picks STARTTLS.
  const long use_ssl = tls == SmtpTls::kRequired ? CURLUSESSL_ALL
                       : tls == SmtpTls::kOff    ? CURLUSESSL_NONE
                                                 : CURLUSESSL_TRY;
  curl_easy_setopt(curl, CURLOPT_USE_SSL, use_ssl);
  // libcurl's defaults, stated: a connection that uses TLS checks the chain
  // and that the certificate names the host (a DNS name or an IP address).
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_file.empty())
    curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
}

std::string smtp_tls_error(CURLcode rc, std::string_view curl_error, SmtpTls tls,
                           const std::string& ca_file) {
  const std::string detail(curl_error.empty() ? curl_easy_strerror(rc) : curl_error);
  switch (rc) {
    case CURLE_USE_SSL_FAILED:
      if (tls == SmtpTls::kRequired) {
        return "SMTP: the server does not offer STARTTLS and --smtp-tls is required: not sent "
               "in clear (" +
               detail + ")";
      }
      return "SMTP: STARTTLS failed: " + detail;
    case CURLE_PEER_FAILED_VERIFICATION:
      return "SMTP: the server's TLS certificate did not verify against " +
             (ca_file.empty() ? std::string("the system's CAs") : "--smtp-ca-file " + ca_file) +
             ": " + detail + " (not sent)";
    case CURLE_SSL_CACERT_BADFILE:
      return "SMTP: cannot use the CA file " + ca_file + ": " + detail;
    case CURLE_SSL_CONNECT_ERROR:
      return "SMTP: the TLS handshake failed: " + detail;
    default:
      return "SMTP: " + detail;
  }
}

}  // namespace orderly::api::notify::email
