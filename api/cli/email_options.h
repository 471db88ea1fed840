// The email flags both `orderly serve` and `orderly notify email` take
// (--smtp-url, --smtp-tls, --smtp-ca-file, --mail-from, --public-url),
// checked and turned into the notifier's delivery options.
#pragma once

#include <string>

#include "api/notify/email/email_sender.h"
#include "core/status.h"

namespace orderly::cli {

struct EmailFlags {
  std::string smtp_url;  // "" = .eml files in the outbox
  std::string smtp_tls = "opportunistic";
  std::string smtp_ca_file;
  std::string mail_from = "orders@localhost";
  std::string public_url;  // "" = the caller's default (where the API listens)
};

// invalid_argument, saying which flag is wrong: an SMTP URL that is not
// smtp:// or smtps://, an unknown --smtp-tls, smtps:// with `off`, an
// unreadable CA file, a public URL that is not http(s)://host[...].
// `default_public_url` stands in for an empty --public-url.
Result<api::notify::email::EmailDeliveryOptions> email_delivery_options(
    const EmailFlags& flags, const std::string& outbox_dir, const std::string& default_public_url);

// How emails travel, for the start-up log.
std::string describe_delivery(const api::notify::email::EmailDeliveryOptions& delivery);

}  // namespace orderly::cli
