#include "api/cli/email_options.h"

namespace orderly::cli {

namespace {

Status check_public_url(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  bool clean = scheme == "http" || scheme == "https";
  clean = clean && url.size() > scheme_end + 3 && url[scheme_end + 3] != '/';
  for (char c : url)
    clean = clean && c > ' ' && c < 0x7f && c != '"' && c != '<' && c != '>' && c != '#';
  if (!clean) {
    return Status::invalid_argument("--public-url must be http(s)://host[:port][/path], not '" +
                                    url + "'");
  }
  return Status::ok();
}

}  // namespace

Result<api::notify::email::EmailDeliveryOptions> email_delivery_options(
    const EmailFlags& flags, const std::string& outbox_dir, const std::string& default_public_url) {
  api::notify::email::EmailDeliveryOptions d;
  const auto tls = api::notify::email::parse_smtp_tls(flags.smtp_tls);
  if (!tls) {
    return Status::invalid_argument("--smtp-tls must be required, opportunistic or off, not '" +
                                    flags.smtp_tls + "'");
  }
  if (!flags.smtp_url.empty())
    ORDERLY_RETURN_IF_ERROR(
        api::notify::email::check_smtp_settings(flags.smtp_url, *tls, flags.smtp_ca_file));
  d.smtp_url = flags.smtp_url;
  d.smtp_tls = *tls;
  d.smtp_ca_file = flags.smtp_ca_file;
  d.outbox_dir = outbox_dir;
  d.mail_from = flags.mail_from;
  d.public_url = flags.public_url.empty() ? default_public_url : flags.public_url;
  ORDERLY_RETURN_IF_ERROR(check_public_url(d.public_url));
  while (d.public_url.back() == '/')
    d.public_url.pop_back();
  return d;
}

std::string describe_delivery(const api::notify::email::EmailDeliveryOptions& d) {
  const std::string where = d.smtp_url.empty() ? "to " + d.outbox_dir + " as .eml files"
                                               : api::notify::email::describe_smtp(
                                                     d.smtp_url, d.smtp_tls, d.smtp_ca_file);
  return where + ", linking to " + d.public_url;
}

}  // namespace orderly::cli
